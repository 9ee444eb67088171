using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;

namespace PromptQueue.Core.Budget;

/// <summary>Turns the shared budget's state into what <c>GET /api/budget</c> shows, by the same rules the workers follow.</summary>
public static class BudgetViews
{
    public static BudgetView From(BudgetState current, DateTimeOffset now, BudgetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var state = BudgetRules.Tidy(current, now, options);
        var (perMinute, perDay) = BudgetRules.Limits(state, options);
        var paused = state.PausedUntil > now;
        var dayBlocked = state.DayBlockedUntil > now;
        var remainingToday = dayBlocked ? 0 : Math.Max(0, perDay - state.DayUsed);
        var nextSlot = BudgetRules.Latest(
            BudgetRules.EarliestStart(state.Starts, BudgetRules.Latest(now, state.BlockedUntil), perMinute, options),
            paused ? state.PausedUntil : null,
            dayBlocked ? state.DayBlockedUntil : null);

        // A burst now must fit both the window just past and the one ahead, which reserved slots already fill in part.
        var window = options.Window + options.WindowMargin;
        var lastMinute = state.Starts.Count(s => s.At > now - window && s.At <= now);
        var nextMinute = state.Starts.Count(s => s.At >= now && s.At < now + window);
        var thisMinute = nextSlot > now ? 0 : Math.Max(0, perMinute - Math.Max(lastMinute, nextMinute));
        return new BudgetView
        {
            Day = state.Day,
            RequestsUsedToday = state.DayUsed,
            RequestsPerDay = perDay,
            RequestsRemainingToday = remainingToday,
            RequestsPerMinute = perMinute,
            RequestsRemainingThisMinute = Math.Min(thisMinute, remainingToday),
            RequestsStartedLastMinute = lastMinute,
            RequestsReserved = state.Starts.Count(s => s.Reserved),
            NextSlotAt = nextSlot,
            Paused = paused,
            PausedUntil = paused ? state.PausedUntil : null,
            PauseReason = paused ? state.PauseReason : null,
            BlockedUntil = state.BlockedUntil > now ? state.BlockedUntil : null,
            DayBlockedUntil = dayBlocked ? state.DayBlockedUntil : null,
            DayResetsAt = BudgetRules.NextUtcMidnight(now),
            InteractiveWaiting = BudgetRules.InteractiveWaiting(state, now),
            Lanes = new BudgetLanes(Lane(JobPriority.Interactive), Lane(JobPriority.Bulk)),
        };

        BudgetLaneView Lane(JobPriority lane)
        {
            var (lanePerMinute, lanePerDay) = BudgetRules.LaneLimits(state, now, options, lane);
            var bulk = lane == JobPriority.Bulk;
            return new BudgetLaneView(
                lanePerMinute,
                lanePerDay,
                state.Starts.Count(s => s.Bulk == bulk && !s.Reserved && s.At > now - window && s.At <= now),
                state.Starts.Count(s => s.Bulk == bulk && s.Reserved));
        }
    }
}
