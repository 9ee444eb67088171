using PromptQueue.Contracts.Api;

namespace PromptQueue.Core.Budget;

/// <summary>Turns the shared budget's state into what <c>GET /api/budget</c> shows, by the same rules the workers follow.</summary>
public static class BudgetViews
{
    public static BudgetView From(BudgetState current, DateTimeOffset now, BudgetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var state = BudgetRules.RollOver(current, now);
        var (perMinute, perDay) = BudgetRules.Limits(state, options);
        var paused = state.PausedUntil > now;
        var dayBlocked = state.DayBlockedUntil > now;
        var remainingToday = dayBlocked ? 0 : Math.Max(0, perDay - state.DayUsed);
        var nextSlot = BudgetRules.Latest(now, state.NextSlotAt, state.BlockedUntil, paused ? state.PausedUntil : null, dayBlocked ? state.DayBlockedUntil : null);

        // Requests start one spacing apart from the next slot on; count those that fall inside the coming minute.
        var windowEnd = now + TimeSpan.FromMinutes(1);
        var thisMinute = nextSlot >= windowEnd ? 0 : 1 + (int)((windowEnd - nextSlot - TimeSpan.FromTicks(1)) / BudgetRules.Spacing(perMinute, options));
        return new BudgetView
        {
            Day = state.Day,
            RequestsUsedToday = state.DayUsed,
            RequestsPerDay = perDay,
            RequestsRemainingToday = remainingToday,
            RequestsPerMinute = perMinute,
            RequestsRemainingThisMinute = Math.Min(Math.Min(thisMinute, perMinute), remainingToday),
            NextSlotAt = nextSlot,
            Paused = paused,
            PausedUntil = paused ? state.PausedUntil : null,
            PauseReason = paused ? state.PauseReason : null,
            BlockedUntil = state.BlockedUntil > now ? state.BlockedUntil : null,
            DayBlockedUntil = dayBlocked ? state.DayBlockedUntil : null,
            DayResetsAt = BudgetRules.NextUtcMidnight(now),
        };
    }
}
