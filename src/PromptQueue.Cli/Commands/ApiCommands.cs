using System.Net;
using PromptQueue.Client;

namespace PromptQueue.Cli.Commands;

/// <summary>
/// The verbs that talk to a running PromptQueue over its HTTP API (<c>submit</c>, <c>status</c>, <c>watch</c>): they
/// start no storage emulator and no worker, so they work against a Functions app in Azure as well as a local host.
/// </summary>
public static class ApiCommands
{
    public const string UrlVariable = "PROMPTQ_URL";
    public const string KeyVariable = "PROMPTQ_API_KEY";
    public const string DefaultUrl = "http://127.0.0.1:7071";

    private static readonly string[] Verbs = ["submit", "status", "watch"];

    /// <summary>True when the command line asks for one of these verbs.</summary>
    public static bool Handles(IReadOnlyList<string> words) => words.Count > 0 && Verbs.Contains(words[0], StringComparer.Ordinal);

    /// <summary>Runs the verb in <paramref name="words"/>[0]; settings not on the command line come from <paramref name="environment"/>.</summary>
    public static async Task<int> RunAsync(
        IReadOnlyList<string> words,
        Stream input,
        TextWriter output,
        TextWriter errors,
        Func<string, string?> environment,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(words);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(errors);
        var arguments = ApiArguments.Parse(words, environment);
        if (arguments.Problem is not null)
        {
            await errors.WriteLineAsync($"promptq: {arguments.Problem}. See 'promptq help'.");
            return Promptq.ExitUsage;
        }

        // One long poll per round: watch refreshes its line at least every 10 s, submit --wait needs no refresh.
        var round = arguments.Verb == "watch" ? TimeSpan.FromSeconds(10) : TimeSpan.FromSeconds(60);
        using var http = new HttpClient();
        var client = new PromptQueueClient(http, new PromptQueueClientOptions { BaseAddress = arguments.Url, ApiKey = arguments.Key, LongPollRound = round });
        try
        {
            return arguments.Verb switch
            {
                "submit" => await SubmitCommand.ExecuteAsync(client, arguments, input, output, cancellationToken),
                "status" => await StatusCommand.ExecuteAsync(client, arguments, output, errors, cancellationToken),
                _ => await WatchCommand.ExecuteAsync(client, arguments, output, cancellationToken),
            };
        }
        catch (Exception ex) when (Describe(ex, arguments, cancellationToken) is { } failure)
        {
            await errors.WriteLineAsync($"promptq: {failure.Message}");
            return failure.ExitCode;
        }
    }

    /// <summary>A one-line explanation for failures a user can fix; null for bugs, which keep their stack trace.</summary>
    private static (string Message, int ExitCode)? Describe(Exception ex, ApiArguments arguments, CancellationToken cancellationToken) => ex switch
    {
        HttpRequestException { StatusCode: null } =>
            ($"cannot reach PromptQueue at {arguments.Url} ({Innermost(ex).Message}). Start it (promptq serve) or point --url / {UrlVariable} at it.", Promptq.ExitUnavailable),
        TaskCanceledException when !cancellationToken.IsCancellationRequested =>
            ($"PromptQueue at {arguments.Url} did not answer in time.", Promptq.ExitUnavailable),
        PromptQueueApiException { StatusCode: HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden } api => (arguments.Key is null
            ? $"PromptQueue at {arguments.Url} needs a key ({(int)api.StatusCode}): set {KeyVariable} to the function key or the key promptq serve was given."
            : $"PromptQueue at {arguments.Url} refused the key ({(int)api.StatusCode}): check {KeyVariable} (or --key).", Promptq.ExitUnavailable),
        // A problem document (no raw body kept) is the API's own "unknown id"; a bare 404 means a wrong URL, said below.
        PromptQueueApiException { StatusCode: HttpStatusCode.NotFound, ResponseBody: null } when arguments.Verb != "submit" =>
            ($"no job '{arguments.Target}' at {arguments.Url}.", Promptq.ExitUsage),
        PromptQueueApiException api when (int)api.StatusCode is >= 400 and < 500 => (api.Message, Promptq.ExitUsage),
        PromptQueueApiException api => (api.Message, Promptq.ExitUnavailable),
        InvalidDataException => ($"PromptQueue at {arguments.Url} sent an answer this promptq cannot read: {ex.Message}", Promptq.ExitUnavailable),
        IOException or UnauthorizedAccessException when arguments.Verb == "submit" => ($"cannot read {arguments.Target}: {ex.Message}", Promptq.ExitUsage),
        _ => null,
    };

    private static Exception Innermost(Exception ex) => ex.InnerException is null ? ex : Innermost(ex.InnerException);
}

/// <summary>The parsed command line of an API verb.</summary>
public sealed record ApiArguments(string Verb, string Target, Uri Url, string? Key, bool Json, bool Wait, string? Problem = null)
{
    /// <summary>Reads <c>VERB TARGET [--url URL] [--key KEY] [--json] [--wait]</c>; <see cref="Problem"/> tells what is wrong.</summary>
    public static ApiArguments Parse(IReadOnlyList<string> words, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(words);
        ArgumentNullException.ThrowIfNull(environment);
        var verb = words.Count > 0 ? words[0] : "";
        string? target = null, url = null, key = null, problem = null;
        bool json = false, wait = false;
        for (var i = 1; i < words.Count && problem is null; i++)
        {
            switch (words[i])
            {
                case "--url" when i + 1 < words.Count:
                    url = words[++i];
                    break;
                case "--key" when i + 1 < words.Count:
                    key = words[++i];
                    break;
                case "--json" when verb == "status":
                    json = true;
                    break;
                case "--wait" when verb == "submit":
                    wait = true;
                    break;
                case var word when target is null && (word == "-" || !word.StartsWith("--", StringComparison.Ordinal)):
                    target = word;
                    break;
                default:
                    problem = $"'{words[i]}' is not an option of {verb}";
                    break;
            }
        }

        url ??= environment(ApiCommands.UrlVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : ApiCommands.DefaultUrl;
        key ??= environment(ApiCommands.KeyVariable) is { Length: > 0 } environmentKey ? environmentKey : null;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            problem ??= $"'{url}' is not an http or https URL";
            uri = new Uri(ApiCommands.DefaultUrl);
        }

        problem ??= target is null ? $"{verb} needs {(verb == "submit" ? "a job file (or - for standard input)" : "a job id")}" : null;
        return new ApiArguments(verb, target ?? "", uri, key, json, wait, problem);
    }
}
