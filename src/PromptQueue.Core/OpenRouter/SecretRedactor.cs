namespace PromptQueue.Core.OpenRouter;

/// <summary>Masks the API key in text that will be stored or logged, such as echoed error bodies and exception messages.</summary>
internal sealed class SecretRedactor(string? secret)
{
    public const string Mask = "[REDACTED]";

    public string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return string.IsNullOrEmpty(secret) ? text : text.Replace(secret, Mask, StringComparison.Ordinal);
    }
}
