using System.Text.Json;

namespace PromptQueue.Core.OpenRouter;

/// <summary>The parts of an OpenRouter error object that decide what to do about it.</summary>
/// <param name="Code">error.code as text; providers send it as a number or a string.</param>
/// <param name="Message">error.message; may be empty.</param>
/// <param name="ErrorType">The typed error code, from error.error_type, error.metadata.error_type or error.type.</param>
/// <param name="ProviderName">error.metadata.provider_name: set when the error came from an upstream provider.</param>
/// <param name="UpstreamMessage">error.metadata.raw: the upstream provider's own text.</param>
/// <param name="EchoedRateLimit">The X-RateLimit-* values OpenRouter echoes in error.metadata.headers.</param>
/// <param name="Availability">error.availability, present on model availability errors.</param>
internal sealed record OpenRouterErrorPayload(
    string? Code,
    string Message,
    string? ErrorType,
    string? ProviderName,
    string? UpstreamMessage,
    RateLimitInfo? EchoedRateLimit,
    ModelAvailability? Availability)
{
    private const int MaxUpstreamMessageLength = 500;

    /// <summary>The error in a response body, or null when the body is not JSON with an <c>error</c> member.</summary>
    public static OpenRouterErrorPayload? FromBody(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return TryFindError(document.RootElement, out var error) ? FromError(error) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Finds an error in a body or stream chunk: the top-level <c>error</c>, or the one a non-streaming body puts
    /// next to partial content in a choice. A null <c>error</c> member is not an error.
    /// </summary>
    public static bool TryFindError(JsonElement root, out JsonElement error)
    {
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out error) && IsErrorValue(error))
        {
            return true;
        }

        if (root.TryGetMember("choices", JsonValueKind.Array, out var choices))
        {
            foreach (var choice in choices.EnumerateArray())
            {
                if (choice.ValueKind == JsonValueKind.Object && choice.TryGetProperty("error", out error) && IsErrorValue(error))
                {
                    return true;
                }
            }
        }

        error = default;
        return false;
    }

    public static OpenRouterErrorPayload FromError(JsonElement error)
    {
        // Some proxies send the error as a bare string.
        if (error.ValueKind == JsonValueKind.String)
        {
            return new OpenRouterErrorPayload(null, error.GetString() ?? "", null, null, null, null, null);
        }

        error.TryGetMember("metadata", JsonValueKind.Object, out var metadata);
        return new OpenRouterErrorPayload(
            Code: error.GetTextOrNull("code"),
            Message: error.GetStringOrNull("message") ?? "",
            ErrorType: error.GetStringOrNull("error_type") ?? metadata.GetStringOrNull("error_type") ?? error.GetStringOrNull("type"),
            ProviderName: metadata.GetStringOrNull("provider_name"),
            UpstreamMessage: metadata.GetStringOrNull("raw"),
            EchoedRateLimit: ReadEchoedRateLimit(metadata),
            Availability: ModelAvailability.From(error));
    }

    /// <summary>The message, followed by the upstream provider's own words when there are any.</summary>
    public string Describe()
    {
        var message = Message.Length > 0 ? Message : $"OpenRouter error {Code ?? "without a code"}";
        if (string.IsNullOrWhiteSpace(UpstreamMessage))
        {
            return message;
        }

        var upstream = UpstreamMessage.Length > MaxUpstreamMessageLength ? UpstreamMessage[..MaxUpstreamMessageLength] + "…" : UpstreamMessage;
        return $"{message}: {upstream}";
    }

    private static bool IsErrorValue(JsonElement error) => error.ValueKind is JsonValueKind.Object or JsonValueKind.String;

    private static RateLimitInfo? ReadEchoedRateLimit(JsonElement metadata)
    {
        if (!metadata.TryGetMember("headers", JsonValueKind.Object, out var headers))
        {
            return null;
        }

        // Header names are case-insensitive, and the values arrive as strings.
        return RateLimitHeaders.Parse(name => headers.EnumerateObject()
            .Where(header => string.Equals(header.Name, name, StringComparison.OrdinalIgnoreCase))
            .Select(header => header.Value.ValueKind is JsonValueKind.String ? header.Value.GetString() : header.Value.GetRawText())
            .FirstOrDefault());
    }
}

/// <summary>error.availability: why no provider could serve the model, and whether that can pass.</summary>
/// <param name="Code">For example capacity_exhausted, temporarily_unavailable, no_endpoints or free_variant_ended.</param>
/// <param name="Retryable">availability.retryable: the explicit verdict on whether waiting can help.</param>
/// <param name="RetryAfter">availability.retry_after: the shortest wait any attempted provider asked for.</param>
internal sealed record ModelAvailability(string? Code, bool? Retryable, TimeSpan? RetryAfter)
{
    // Anything longer is nonsense and would overflow TimeSpan.
    private const double TimeSpanMaxSeconds = 1e9;

    public static ModelAvailability? From(JsonElement error)
    {
        if (!error.TryGetMember("availability", JsonValueKind.Object, out var availability))
        {
            return null;
        }

        var retryAfterSeconds = availability.GetDoubleOrNull("retry_after");
        return new ModelAvailability(
            availability.GetStringOrNull("code"),
            availability.GetBooleanOrNull("retryable"),
            retryAfterSeconds is >= 0 and < TimeSpanMaxSeconds ? TimeSpan.FromSeconds(retryAfterSeconds.Value) : null);
    }
}
