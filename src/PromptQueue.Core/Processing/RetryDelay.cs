using PromptQueue.Core.OpenRouter;

namespace PromptQueue.Core.Processing;

/// <summary>How long a job waits before its next attempt.</summary>
public static class RetryDelay
{
    /// <summary>Used when a per-minute 429 names no reset time.</summary>
    private static readonly TimeSpan DefaultRateLimitWait = TimeSpan.FromMinutes(1);

    private static readonly TimeSpan MinimumWait = TimeSpan.FromSeconds(1);

    public static TimeSpan For(ChatRetryLater retry, int attempts, DateTimeOffset now, PromptQueueOptions options) =>
        For(retry, attempts, now, options, Random.Shared);

    public static TimeSpan For(ChatRetryLater retry, int attempts, DateTimeOffset now, PromptQueueOptions options, Random random)
    {
        ArgumentNullException.ThrowIfNull(retry);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(random);
        var untilReset = retry.RateLimit?.ResetsAt - now;
        var retryAfter = retry.RetryAfter > options.MaxRetryAfter ? options.MaxRetryAfter : retry.RetryAfter;
        var wait = retry.Reason switch
        {
            RetryReason.RateLimitedPerDay => untilReset ?? Budget.BudgetRules.NextUtcMidnight(now) - now,
            RetryReason.RateLimitedPerMinute or RetryReason.RateLimited => untilReset ?? retryAfter ?? DefaultRateLimitWait,
            _ => retryAfter ?? FullJitter(attempts, options, random),
        };
        return wait < MinimumWait ? MinimumWait : wait;
    }

    /// <summary>Exponential backoff with full jitter (<see cref="Backoff"/>): spreads retries of many jobs instead of synchronising them.</summary>
    public static TimeSpan FullJitter(int attempts, PromptQueueOptions options, Random random)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Backoff.Delay(attempts, options.RetryBaseDelay, options.RetryMaxDelay, BackoffJitter.Full, random);
    }
}
