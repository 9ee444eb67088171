using System.Globalization;
using PromptQueue.Core.OpenRouter;

namespace PromptQueue.Core.Budget;

/// <summary>The budget's arithmetic, free of storage and clocks, so every rule is tested with plain values.</summary>
/// <remarks>
/// Requests are spaced evenly with GCRA: one "next slot" time advanced by 60 s / rate per request. Even spacing keeps
/// any 60-second window, wherever it falls, at or below the per-minute limit, so OpenRouter's own fixed windows never
/// see a burst. A per-UTC-day counter enforces the daily limit exactly, to the last request.
/// </remarks>
public static class BudgetRules
{
    /// <summary>Used when a per-minute 429 names no reset: OpenRouter's windows are one minute long.</summary>
    private static readonly TimeSpan DefaultBlock = TimeSpan.FromMinutes(1);

    public static string DayOf(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static DateTimeOffset NextUtcMidnight(DateTimeOffset now) => new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero).AddDays(1);

    /// <summary>The limits in force: the configured ones, lowered by anything the API taught us today.</summary>
    public static (int PerMinute, int PerDay) Limits(BudgetState state, BudgetOptions options)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(options);
        return (
            Math.Min(options.RequestsPerMinute, state.LearnedRequestsPerMinute ?? int.MaxValue),
            Math.Min(options.RequestsPerDay, state.LearnedRequestsPerDay ?? int.MaxValue));
    }

    /// <summary>The gap between two requests at the given rate.</summary>
    public static TimeSpan Spacing(int perMinute, BudgetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return TimeSpan.FromMinutes(1) / perMinute + options.SpacingMargin;
    }

    /// <summary>Starts a new day's count when the UTC day has changed; today's lessons expire with it.</summary>
    public static BudgetState RollOver(BudgetState state, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        var today = DayOf(now);
        return state.Day == today
            ? state
            : state with { Day = today, DayUsed = 0, DayBlockedUntil = null, LearnedRequestsPerMinute = null, LearnedRequestsPerDay = null };
    }

    /// <summary>
    /// Decides on one request. A grant comes with the new state to write (the slot is spent only if that write
    /// succeeds); a deferral changes nothing.
    /// </summary>
    public static (BudgetDecision Decision, BudgetState? NewState) Decide(BudgetState current, DateTimeOffset now, BudgetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var state = RollOver(current, now);
        if (state.PausedUntil > now)
        {
            return (new BudgetDeferred(state.PausedUntil.Value, BudgetWait.Paused, state.PauseReason ?? "paused"), null);
        }

        var (perMinute, perDay) = Limits(state, options);
        if (state.DayBlockedUntil > now)
        {
            return (new BudgetDeferred(state.DayBlockedUntil.Value, BudgetWait.DailyLimit, "OpenRouter reported the daily limit reached"), null);
        }

        if (state.DayUsed >= perDay)
        {
            return (new BudgetDeferred(NextUtcMidnight(now), BudgetWait.DailyLimit, $"all {perDay} requests of {state.Day} are spent"), null);
        }

        var slot = Latest(now, state.NextSlotAt, state.BlockedUntil);
        if (slot - now > options.MaxInlineWait)
        {
            var reason = state.BlockedUntil >= slot ? BudgetWait.BlockedUntilReset : BudgetWait.Spacing;
            return (new BudgetDeferred(slot, reason, $"next free slot at {slot:HH:mm:ss} UTC ({perMinute}/min)"), null);
        }

        if (DayOf(slot) != state.Day)
        {
            // A slot past midnight belongs to tomorrow's count; take it tomorrow, so no day ever counts short.
            return (new BudgetDeferred(slot, BudgetWait.Spacing, "next free slot is in the next UTC day"), null);
        }

        var spent = state with { NextSlotAt = slot + Spacing(perMinute, options), DayUsed = state.DayUsed + 1 };
        return (new BudgetGranted(slot), spent);
    }

    /// <summary>
    /// Whether a request granted earlier must still not start at <paramref name="now"/>: a block learned meanwhile (a
    /// 429's reset, a paused account, the day's limit reported) holds back calls already granted, so they do not go out
    /// only to be refused. Null when the call may start.
    /// </summary>
    public static BudgetDeferred? HeldBack(BudgetState current, DateTimeOffset now)
    {
        var state = RollOver(current, now);
        if (state.PausedUntil > now)
        {
            return new BudgetDeferred(state.PausedUntil.Value, BudgetWait.Paused, state.PauseReason ?? "paused");
        }

        if (state.DayBlockedUntil > now)
        {
            return new BudgetDeferred(state.DayBlockedUntil.Value, BudgetWait.DailyLimit, "OpenRouter reported the daily limit reached");
        }

        return state.BlockedUntil > now
            ? new BudgetDeferred(state.BlockedUntil.Value, BudgetWait.BlockedUntilReset, $"a 429 blocks requests until {state.BlockedUntil:HH:mm:ss} UTC")
            : null;
    }

    /// <summary>Gives back a request of <paramref name="day"/> that was granted and never made.</summary>
    public static BudgetState ReturnSlot(BudgetState current, string day, DateTimeOffset now)
    {
        var state = RollOver(current, now);
        return state.Day == day && state.DayUsed > 0 ? state with { DayUsed = state.DayUsed - 1 } : state;
    }

    /// <summary>What a platform 429 teaches every instance: a block until its reset, and perhaps a lower limit.</summary>
    public static BudgetState LearnFrom(BudgetState current, ChatRetryLater rateLimited, DateTimeOffset now, BudgetOptions options)
    {
        ArgumentNullException.ThrowIfNull(rateLimited);
        ArgumentNullException.ThrowIfNull(options);
        var state = RollOver(current, now);
        var info = rateLimited.RateLimit;
        switch (rateLimited.Reason)
        {
            case RetryReason.RateLimitedPerDay:
                var dayLimit = info?.Limit is > 0 and var limit && limit < Limits(state, options).PerDay ? limit : state.LearnedRequestsPerDay;
                return state with
                {
                    DayBlockedUntil = Latest(now, state.DayBlockedUntil, info?.ResetsAt ?? NextUtcMidnight(now)),
                    LearnedRequestsPerDay = dayLimit,
                };

            case RetryReason.RateLimitedPerMinute or RetryReason.RateLimited:
                var minuteLimit = info?.Limit is > 0 and var perMinute && perMinute < Limits(state, options).PerMinute ? perMinute : state.LearnedRequestsPerMinute;
                var blockedUntil = info?.ResetsAt ?? (rateLimited.RetryAfter is { } after ? now + after : now + DefaultBlock);
                return state with
                {
                    BlockedUntil = Latest(now, state.BlockedUntil, blockedUntil),
                    LearnedRequestsPerMinute = minuteLimit,
                };

            default:
                // Upstream limits belong to one provider of one model, not to the account: nothing to write.
                return current;
        }
    }

    /// <summary>Pauses every instance until <paramref name="until"/>, keeping a longer pause already in place.</summary>
    /// <param name="state">The budget.</param>
    /// <param name="until">The end of the pause.</param>
    /// <param name="reason">Why, in words.</param>
    /// <param name="key">The fingerprint of the key the account refused, if a key was at fault.</param>
    public static BudgetState Pause(BudgetState state, DateTimeOffset until, string reason, string? key = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.PausedUntil >= until && state.PausedKey == key ? state : state with { PausedUntil = until, PauseReason = reason, PausedKey = key };
    }

    /// <summary>
    /// The budget as a worker using <paramref name="key"/> sees it: a pause for another key (the one that was fixed)
    /// is lifted. A pause that names no key holds everyone.
    /// </summary>
    public static BudgetState ForKey(BudgetState state, string? key)
    {
        ArgumentNullException.ThrowIfNull(state);
        return key is not null && state.PausedKey is { } paused && paused != key
            ? state with { PausedUntil = null, PauseReason = null, PausedKey = null }
            : state;
    }

    /// <summary>A short, one-way fingerprint of an API key: enough to tell keys apart, never enough to recover one.</summary>
    public static string? KeyFingerprint(string? apiKey) =>
        string.IsNullOrEmpty(apiKey) ? null : Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(apiKey)))[..12];

    /// <summary>The latest of the given moments, ignoring those not set.</summary>
    internal static DateTimeOffset Latest(DateTimeOffset first, params DateTimeOffset?[] others)
    {
        var latest = first;
        foreach (var other in others)
        {
            if (other > latest)
            {
                latest = other.Value;
            }
        }

        return latest;
    }
}
