using PromptQueue.Core.Budget;

namespace PromptQueue.Core.Batches;

/// <summary>The dispatcher's arithmetic, free of storage and clocks: how much to release, and when a batch will finish.</summary>
public static class BatchPace
{
    /// <summary>
    /// How many items one tick may release: one interval's worth at the budget's rate plus a small lead, less the batch
    /// jobs already released and not finished, and never more than what is left of today's requests.
    /// </summary>
    /// <remarks>
    /// capacity = min(ceil(rpm × interval / window) + lead, dayRemaining) − inFlight, at least 0. In-flight jobs count against
    /// both terms: they will spend slots of this interval and requests of this day. While the account is paused or
    /// today is spent, nothing is released: jobs would only wait in the queue.
    /// </remarks>
    public static int Capacity(BudgetState state, BudgetOptions budget, TimeSpan interval, int lead, int inFlight, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(budget);
        if (ReleaseBlockedUntil(state, budget, now) is not null)
        {
            return 0;
        }

        var (perMinute, _) = BudgetRules.Limits(state, budget);
        var pace = (int)Math.Min(int.MaxValue / 2, Math.Ceiling(perMinute * (interval / budget.Window))) + lead;
        return Math.Max(0, Math.Min(pace, DayRemaining(state, budget)) - inFlight);
    }

    /// <summary>When releasing may resume if it cannot now (paused account, today's requests spent); null when it can.</summary>
    public static DateTimeOffset? ReleaseBlockedUntil(BudgetState state, BudgetOptions budget, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.PausedUntil > now)
        {
            return state.PausedUntil;
        }

        if (state.DayBlockedUntil > now)
        {
            return state.DayBlockedUntil;
        }

        return DayRemaining(state, budget) <= 0 ? BudgetRules.NextUtcMidnight(now) : null;
    }

    /// <summary>
    /// When <paramref name="remaining"/> more requests should be done at the budget's pace: today's rest first, then
    /// whole days of the daily limit. It assumes the batch has the account to itself.
    /// </summary>
    public static DateTimeOffset EstimateCompletion(BudgetState state, BudgetOptions budget, int remaining, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(budget);
        if (remaining <= 0)
        {
            return now;
        }

        var (perMinute, perDay) = BudgetRules.Limits(state, budget);
        var start = ReleaseBlockedUntil(state, budget, now) is { } blocked && blocked > now ? blocked : now;
        var today = start == now ? DayRemaining(state, budget) : 0;
        if (remaining <= today)
        {
            return start + (budget.Window / perMinute * remaining);
        }

        var afterToday = remaining - today;
        var fullDays = (afterToday - 1) / perDay;
        var lastDay = afterToday - (fullDays * perDay);
        var firstDay = start == now ? BudgetRules.NextUtcMidnight(now) : start;
        return firstDay.AddDays(fullDays) + (budget.Window / perMinute * lastDay);
    }

    private static int DayRemaining(BudgetState state, BudgetOptions budget) => Math.Max(0, BudgetRules.Limits(state, budget).PerDay - state.DayUsed);
}
