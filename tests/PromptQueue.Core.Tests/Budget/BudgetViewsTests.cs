using PromptQueue.Core.Budget;

namespace PromptQueue.Core.Tests.Budget;

public sealed class BudgetViewsTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 14, 15, 9, 26, TimeSpan.Zero);
    private static readonly BudgetOptions Options = new() { RequestsPerMinute = 20, RequestsPerDay = 50, WindowMargin = TimeSpan.FromMilliseconds(500) };

    [Fact]
    public void From_UnusedBudget_HasTheWholeDayAndMinuteLeft()
    {
        // Act
        var view = BudgetViews.From(new BudgetState(), Now, Options);

        // Assert
        Assert.Equal(("2026-03-14", 0, 50, 50, 20, 20), (view.Day, view.RequestsUsedToday, view.RequestsPerDay, view.RequestsRemainingToday, view.RequestsPerMinute, view.RequestsRemainingThisMinute));
        Assert.Equal(Now, view.NextSlotAt);
        Assert.Equal(new DateTimeOffset(2026, 3, 15, 0, 0, 0, TimeSpan.Zero), view.DayResetsAt);
        Assert.False(view.Paused);
    }

    [Fact]
    public void From_SomeStartsInTheLastMinuteAndSomeReserved_CountsWhatCouldStartNow()
    {
        // Arrange: 12 starts in the last minute (one just out of it), and 3 slots reserved for the next one.
        var past = Enumerable.Range(0, 13).Select(i => new BudgetStart(Now.AddSeconds(-60.4 + i * 4)));
        var reserved = Enumerable.Range(0, 3).Select(i => new BudgetStart(Now.AddSeconds(20 + i), $"job{i}", Reserved: true));
        var state = new BudgetState { Day = "2026-03-14", DayUsed = 16, Starts = StartLog.Of([new BudgetStart(Now.AddSeconds(-61)), .. past, .. reserved]) };

        // Act
        var view = BudgetViews.From(state, Now, Options);

        // Assert: 20 less the busier window (the 13 just past) leaves 7; the day has 50 - 16.
        Assert.Equal((7, 34, 13, 3, Now), (view.RequestsRemainingThisMinute, view.RequestsRemainingToday, view.RequestsStartedLastMinute, view.RequestsReserved, view.NextSlotAt));
    }

    [Fact]
    public void From_BulkStartsAndAnInteractiveJobWaiting_ShowsEachLaneAndWhatBulkMayTakeNow()
    {
        // Arrange: three bulk starts and one interactive in the last minute; one bulk and one interactive job reserved.
        var options = new BudgetOptions { RequestsPerMinute = 20, RequestsPerDay = 50, InteractiveShare = 0.25, InteractiveDailyReserve = 5 };
        var state = new BudgetState
        {
            Day = "2026-03-14",
            DayUsed = 6,
            Starts = StartLog.Of([
                .. Enumerable.Range(0, 3).Select(i => new BudgetStart(Now.AddSeconds(-10 - i), $"bulk{i}", Bulk: true)),
                new BudgetStart(Now.AddSeconds(-5), "direct"),
                new BudgetStart(Now.AddSeconds(30), "bulk3", Reserved: true, Bulk: true),
                new BudgetStart(Now.AddSeconds(31), "waiting", Reserved: true),
            ]),
        };

        // Act
        var view = BudgetViews.From(state, Now, options);

        // Assert: while the interactive job waits, bulk gets 15 of 20 a window and 45 of 50 a day.
        Assert.True(view.InteractiveWaiting);
        Assert.Equal(new PromptQueue.Contracts.Api.BudgetLaneView(20, 50, 1, 1), view.Lanes!.Interactive);
        Assert.Equal(new PromptQueue.Contracts.Api.BudgetLaneView(15, 45, 3, 1), view.Lanes.Bulk);
    }

    [Fact]
    public void From_WindowFull_ShowsNoneLeftAndTheSlotTheWindowFreesNext()
    {
        // Arrange: twenty starts, the first 10 s ago.
        var state = new BudgetState { Day = "2026-03-14", DayUsed = 20, Starts = StartLog.Of(Enumerable.Range(0, 20).Select(i => new BudgetStart(Now.AddSeconds(-10 + i * 0.5)))) };

        // Act
        var view = BudgetViews.From(state, Now, Options);

        // Assert
        Assert.Equal((0, Now.AddSeconds(50.5)), (view.RequestsRemainingThisMinute, view.NextSlotAt));
    }

    [Fact]
    public void From_PausedAccount_HasNothingLeftThisMinuteAndSaysWhy()
    {
        // Arrange
        var state = new BudgetState { Day = "2026-03-14", PausedUntil = Now.AddMinutes(5), PauseReason = "invalid API key" };

        // Act
        var view = BudgetViews.From(state, Now, Options);

        // Assert
        Assert.Equal((true, 0, "invalid API key"), (view.Paused, view.RequestsRemainingThisMinute, view.PauseReason));
        Assert.Equal(Now.AddMinutes(5), view.NextSlotAt);
    }

    [Fact]
    public void From_DayLimitReachedOrLearnedLower_HasNothingLeftToday()
    {
        // Arrange
        var spent = new BudgetState { Day = "2026-03-14", DayUsed = 50 };
        var learned = new BudgetState { Day = "2026-03-14", DayUsed = 10, LearnedRequestsPerDay = 10, LearnedRequestsPerMinute = 5 };

        // Act
        var (spentView, learnedView) = (BudgetViews.From(spent, Now, Options), BudgetViews.From(learned, Now, Options));

        // Assert
        Assert.Equal((0, 0), (spentView.RequestsRemainingToday, spentView.RequestsRemainingThisMinute));
        Assert.Equal((10, 5, 0), (learnedView.RequestsPerDay, learnedView.RequestsPerMinute, learnedView.RequestsRemainingToday));
    }

    [Fact]
    public void From_YesterdaysState_RollsOverToAFreshDay()
    {
        // Arrange
        var state = new BudgetState { Day = "2026-03-13", DayUsed = 50, DayBlockedUntil = Now.AddHours(-1) };

        // Act
        var view = BudgetViews.From(state, Now, Options);

        // Assert
        Assert.Equal(("2026-03-14", 0, 50, null), (view.Day, view.RequestsUsedToday, view.RequestsRemainingToday, view.DayBlockedUntil));
    }
}
