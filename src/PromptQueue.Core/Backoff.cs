namespace PromptQueue.Core;

/// <summary>How a backoff spreads the waits of many waiters around the exponential ceiling.</summary>
public enum BackoffJitter
{
    /// <summary>Exactly the ceiling: for polls whose timing does not contend with others.</summary>
    None,

    /// <summary>Anywhere between zero and the ceiling: the least contention (the source's recommendation).</summary>
    Full,

    /// <summary>Between half the ceiling and all of it: never much sooner than planned.</summary>
    Equal,
}

/// <summary>
/// The one backoff formula of PromptQueue: a capped exponential, <c>min(cap, base x 2^(attempt-1))</c>, with the
/// jitter of M. Brooker, "Exponential Backoff And Jitter", AWS Architecture Blog, 2015
/// (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/). Retries of jobs, webhook deliveries
/// and the polls of a child waiting for its parent all wait by it.
/// </summary>
public static class Backoff
{
    /// <summary>Beyond this the doubling has passed any cap a TimeSpan can hold; the exponent stops growing there.</summary>
    private const int MaxExponent = 62;

    /// <summary>The wait before attempt <paramref name="attempt"/> (the first retry is 1). Never overflows, never negative.</summary>
    public static TimeSpan Delay(int attempt, TimeSpan baseDelay, TimeSpan cap, BackoffJitter jitter, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (baseDelay <= TimeSpan.Zero || cap <= TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        // In doubles, and capped before it becomes a TimeSpan: base x 2^62 would overflow one, 2^1000 even a long.
        var exponent = Math.Clamp(attempt - 1, 0, MaxExponent);
        var ceiling = Math.Min(cap.Ticks, baseDelay.Ticks * Math.Pow(2, exponent));
        var ticks = jitter switch
        {
            BackoffJitter.Full => random.NextDouble() * ceiling,
            BackoffJitter.Equal => (ceiling / 2) + (random.NextDouble() * ceiling / 2),
            _ => ceiling,
        };
        // A double at the cap may round above long.MaxValue, and casting it back would wrap: compare, then cast.
        return ticks >= cap.Ticks ? cap : TimeSpan.FromTicks((long)ticks);
    }
}
