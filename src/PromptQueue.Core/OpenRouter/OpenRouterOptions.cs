using System.ComponentModel.DataAnnotations;

namespace PromptQueue.Core.OpenRouter;

/// <summary>Where and how PromptQueue calls OpenRouter's chat completions API.</summary>
public sealed class OpenRouterOptions
{
    public const string SectionName = "OpenRouter";

    /// <summary>The API root; "chat/completions" is resolved against it.</summary>
    [Required]
    public Uri BaseUrl { get; set; } = new("https://openrouter.ai/api/v1/");

    /// <summary>The OpenRouter key. Sent only as a bearer token: never logged, printed or stored.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The model used when a request names neither a model nor a fallback list.</summary>
    [Required(AllowEmptyStrings = false)]
    public string DefaultModel { get; set; } = "openai/gpt-oss-120b:free";

    /// <summary>Your app's URL, sent as HTTP-Referer for OpenRouter's app attribution.</summary>
    public string? Referer { get; set; }

    /// <summary>Your app's display name, sent as X-OpenRouter-Title and the older X-Title.</summary>
    public string? Title { get; set; }

    /// <summary>The most a whole call may take, streaming included; reasoning models can think for many minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The longest silence allowed between any two reads of the response; keep-alive comments count as activity.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Describes the settings without ever revealing the key.</summary>
    public override string ToString() =>
        $"OpenRouter {{ BaseUrl = {BaseUrl}, DefaultModel = {DefaultModel}, ApiKey = {(string.IsNullOrEmpty(ApiKey) ? "not set" : "set")}, " +
        $"RequestTimeout = {RequestTimeout}, IdleTimeout = {IdleTimeout} }}";
}
