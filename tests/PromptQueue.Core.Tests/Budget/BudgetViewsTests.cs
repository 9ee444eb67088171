using PromptQueue.Core.Budget;

namespace PromptQueue.Core.Tests.Budget;

public sealed class BudgetViewsTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 14, 15, 9, 26, TimeSpan.Zero);
    private static readonly BudgetOptions Options = new() { RequestsPerMinute = 20, RequestsPerDay = 50, SpacingMargin = TimeSpan.FromMilliseconds(100) };

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
    public void From_NextSlotHalfAMinuteAway_CountsTheSlotsLeftInTheMinute()
    {
        // Arrange: slots 3.1 s apart from 30 s on: 30.0, 33.1, ... 57.9 s.
        var state = new BudgetState { Day = "2026-03-14", DayUsed = 12, NextSlotAt = Now.AddSeconds(30) };

        // Act
        var view = BudgetViews.From(state, Now, Options);

        // Assert
        Assert.Equal((10, 38), (view.RequestsRemainingThisMinute, view.RequestsRemainingToday));
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
