using System.Globalization;

namespace PromptQueue.Core.OpenRouter;

/// <summary>
/// The one table that turns what went wrong into what to do about it. Pure: the same status, error and headers always
/// give the same outcome. Inputs must already be free of the API key.
/// </summary>
internal static class OpenRouterErrorClassifier
{
    /// <summary>The most of a raw error body that is kept.</summary>
    public const int MaxRawBodyLength = 32_000;

    private const int HttpOk = 200;

    /// <summary>Classifies a response with a non-success status.</summary>
    /// <param name="status">The HTTP status.</param>
    /// <param name="error">The error in the body, or null when the body was not an OpenRouter error (for example a proxy's HTML page).</param>
    /// <param name="rawBody">The body as received, for the record.</param>
    /// <param name="hints">What the response headers say about retrying.</param>
    public static ChatOutcome ClassifyHttpError(int status, OpenRouterErrorPayload? error, string? rawBody, RetryHints hints)
    {
        ArgumentNullException.ThrowIfNull(hints);
        return Classify(status, Describe(status, error, rawBody), error, hints, inBand: false);
    }

    /// <summary>
    /// Classifies an error delivered inside a 200 response (a stream chunk, or a bare error body) by its code, with
    /// the same table as an HTTP error: a 400 such as "Token limit reached" would be refused again, so it is not
    /// retried. A code that is no HTTP status (for example "server_error") means the stream broke, which is retried.
    /// </summary>
    /// <param name="error">The error object found in the chunk or body.</param>
    /// <param name="rawJson">The chunk or body as received, for the record.</param>
    /// <param name="providerName">The provider named by the stream, for errors that do not name one.</param>
    public static ChatOutcome ClassifyInBandError(OpenRouterErrorPayload error, string rawJson, string? providerName)
    {
        ArgumentNullException.ThrowIfNull(error);
        var described = new ProviderError(
            HttpOk,
            CodeOf(error) ?? "mid_stream_error",
            error.Describe(),
            error.ErrorType,
            error.ProviderName ?? providerName,
            Truncate(rawJson));
        return int.TryParse(error.Code, NumberStyles.None, CultureInfo.InvariantCulture, out var status) && status is >= 400 and <= 599
            ? Classify(status, described, error, RetryHints.None, inBand: true)
            : new ChatRetryLater(RetryReason.MidStreamError, described, null, null);
    }

    /// <summary>The one table: what an error's status says to do, whether it came as the response's status or in its body.</summary>
    private static ChatOutcome Classify(int status, ProviderError described, OpenRouterErrorPayload? error, RetryHints hints, bool inBand)
    {
        var availability = error?.Availability;
        return status switch
        {
            // The account itself is refused (bad key, no credits): every job would fail the same way.
            401 or 402 => new ChatSystemicFailure(described),
            // The availability verdict is explicit, so it beats the status code.
            _ when availability?.Retryable == true =>
                new ChatRetryLater(RetryReason.CapacityExhausted, described, availability.RetryAfter ?? hints.RetryAfter, hints.RateLimit),
            _ when availability?.Retryable == false => new ChatFailed(described),
            429 => ClassifyRateLimit(described, error, hints, inBand),
            408 or 504 or 524 => new ChatRetryLater(RetryReason.Timeout, described, hints.RetryAfter, hints.RateLimit),
            // A stream that broke off with a server error after it began is the same transient trouble as a broken stream.
            >= 500 => new ChatRetryLater(inBand ? RetryReason.MidStreamError : RetryReason.ServerError, described, hints.RetryAfter, hints.RateLimit),
            // 400, 403, 404 (No endpoints found), 413, 422 and anything else: the same request would be refused again.
            _ => new ChatFailed(described),
        };
    }

    /// <summary>A stream that ended with finish_reason "error" but no error object.</summary>
    public static ChatRetryLater FinishedWithError(string rawChunk, string? providerName) =>
        ClientObserved(RetryReason.MidStreamError, HttpOk, "finish_reason_error", "The provider ended the completion with finish_reason \"error\".", rawChunk, providerName);

    /// <summary>A completion with neither content nor tool calls; providers do this on cold starts, and a retry usually works.</summary>
    public static ChatRetryLater EmptyResponse(string? finishReason, string? providerName) =>
        ClientObserved(RetryReason.EmptyResponse, HttpOk, "empty_response", $"The completion has no content and no tool calls (finish_reason: {finishReason ?? "none"}).", null, providerName);

    public static ChatRetryLater MalformedResponse(string code, string message, string? rawBody) =>
        ClientObserved(RetryReason.MalformedResponse, HttpOk, code, message, rawBody, null);

    /// <summary>A call cut short by our own request or idle timeout.</summary>
    public static ChatRetryLater TimedOut(string code, string message) =>
        ClientObserved(RetryReason.Timeout, null, code, message, null, null);

    /// <summary>A connection that failed or broke, before or during the response.</summary>
    public static ChatRetryLater NetworkFailure(int? status, string message) =>
        ClientObserved(RetryReason.NetworkError, status, "network_error", message, null, null);

    private static ChatRetryLater ClassifyRateLimit(ProviderError described, OpenRouterErrorPayload? error, RetryHints hints, bool inBand)
    {
        var rateLimit = hints.RateLimit ?? error?.EchoedRateLimit;
        var reason = RateLimitReason(error);

        // OpenRouter checks the account's limits before a response begins; a 429 that tells no more and arrives inside
        // one came from the provider serving it, and says nothing about the account.
        if (inBand && reason == RetryReason.RateLimited)
        {
            reason = RetryReason.UpstreamRateLimited;
        }

        return new ChatRetryLater(reason, described, hints.RetryAfter, rateLimit);
    }

    private static RetryReason RateLimitReason(OpenRouterErrorPayload? error)
    {
        if (error is null)
        {
            return RetryReason.RateLimited;
        }

        if (error.Message.Contains("free-models-per-day", StringComparison.OrdinalIgnoreCase))
        {
            return RetryReason.RateLimitedPerDay;
        }

        if (error.Message.Contains("free-models-per-min", StringComparison.OrdinalIgnoreCase))
        {
            return RetryReason.RateLimitedPerMinute;
        }

        if (IsUpstream(error))
        {
            return RetryReason.UpstreamRateLimited;
        }

        // Only OpenRouter's own free-tier limits echo the rate-limit headers in the body. Without a telling message, a
        // window that resets at UTC midnight is the daily one; any other is the per-minute one.
        if (error.EchoedRateLimit is { } echoed)
        {
            return IsUtcMidnight(echoed.ResetsAt) ? RetryReason.RateLimitedPerDay : RetryReason.RateLimitedPerMinute;
        }

        return RetryReason.RateLimited;
    }

    private static bool IsUpstream(OpenRouterErrorPayload error) =>
        error.ProviderName is not null
        || error.Message.Equals("Provider returned error", StringComparison.OrdinalIgnoreCase)
        || (error.UpstreamMessage?.Contains("rate-limited upstream", StringComparison.OrdinalIgnoreCase) ?? false);

    private static bool IsUtcMidnight(DateTimeOffset? instant) => instant is { } value && value.UtcDateTime.TimeOfDay == TimeSpan.Zero;

    private static ProviderError Describe(int status, OpenRouterErrorPayload? error, string? rawBody) => new(
        status,
        (error is null ? null : CodeOf(error)) ?? $"http_{status}",
        error?.Describe() ?? $"OpenRouter answered HTTP {status} without a JSON error body.",
        error?.ErrorType,
        error?.ProviderName,
        Truncate(rawBody));

    // The most specific code first: availability codes and typed error codes say more than a number that repeats the status.
    private static string? CodeOf(OpenRouterErrorPayload error) =>
        NonEmpty(error.Availability?.Code) ?? NonEmpty(error.ErrorType) ?? NonEmpty(error.Code);

    private static ChatRetryLater ClientObserved(RetryReason reason, int? status, string code, string message, string? rawBody, string? providerName) =>
        new(reason, new ProviderError(status, code, message, null, providerName, Truncate(rawBody)), null, null);

    private static string? Truncate(string? text) =>
        text is { Length: > MaxRawBodyLength } ? text[..MaxRawBodyLength] : text;

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
