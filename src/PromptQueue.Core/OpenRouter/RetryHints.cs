using System.Net.Http.Headers;

namespace PromptQueue.Core.OpenRouter;

/// <summary>What an error response's headers say about when to try again.</summary>
internal sealed record RetryHints(TimeSpan? RetryAfter, RateLimitInfo? RateLimit)
{
    public static RetryHints None { get; } = new(null, null);

    /// <summary>Reads Retry-After (seconds or an HTTP date, measured from <paramref name="now"/>) and the X-RateLimit-* headers.</summary>
    public static RetryHints From(HttpResponseHeaders headers, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(headers);
        return new RetryHints(ReadRetryAfter(headers.RetryAfter, now), RateLimitHeaders.Parse(headers));
    }

    private static TimeSpan? ReadRetryAfter(RetryConditionHeaderValue? retryAfter, DateTimeOffset now)
    {
        if (retryAfter?.Delta is { } delta)
        {
            return delta;
        }

        if (retryAfter?.Date is { } date)
        {
            var wait = date - now;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }
}
