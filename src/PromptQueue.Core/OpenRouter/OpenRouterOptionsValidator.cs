using Microsoft.Extensions.Options;

namespace PromptQueue.Core.OpenRouter;

/// <summary>Catches the option mistakes that data annotations cannot express, so they fail at start rather than on the first call.</summary>
internal sealed class OpenRouterOptionsValidator : IValidateOptions<OpenRouterOptions>
{
    public ValidateOptionsResult Validate(string? name, OpenRouterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();

        if (options.BaseUrl is { } baseUrl && !IsHttpUrl(baseUrl))
        {
            failures.Add("OpenRouter:BaseUrl must be an absolute http or https URL.");
        }

        if (options.IdleTimeout > options.RequestTimeout)
        {
            failures.Add("OpenRouter:IdleTimeout must not be longer than OpenRouter:RequestTimeout.");
        }

        // Header values must be ASCII, or every request would fail when the handler writes them.
        AddIfNotAsciiHeaderValue(failures, nameof(options.Referer), options.Referer);
        AddIfNotAsciiHeaderValue(failures, nameof(options.Title), options.Title);
        AddIfNotAsciiHeaderValue(failures, nameof(options.ApiKey), options.ApiKey);

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsHttpUrl(Uri url) =>
        url.IsAbsoluteUri && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp);

    private static void AddIfNotAsciiHeaderValue(List<string> failures, string optionName, string? value)
    {
        if (value is not null && !value.All(c => c is >= ' ' and <= '~'))
        {
            // The value itself is left out of the message: it may be the key.
            failures.Add($"OpenRouter:{optionName} must contain printable ASCII characters only.");
        }
    }
}
