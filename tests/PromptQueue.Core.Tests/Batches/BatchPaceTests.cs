using PromptQueue.Core.Batches;
using PromptQueue.Core.Budget;

namespace PromptQueue.Core.Tests.Batches;

public sealed class BatchPaceTests
{
    private static readonly DateTimeOffset Noon = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);
    private static readonly BudgetOptions FreeTier = new() { RequestsPerMinute = 20, RequestsPerDay = 1000 };

    [Theory]
    [InlineData(0, 22)]
    [InlineData(5, 17)]
    [InlineData(22, 0)]
    [InlineData(40, 0)]
    public void Capacity_OneMinuteInterval_IsRatePlusLeadLessInFlight(int inFlight, int expected)
    {
        // Arrange
        var state = new BudgetState { Day = "2026-03-10", DayUsed = 0 };

        // Act
        var capacity = BatchPace.Capacity(state, FreeTier, TimeSpan.FromMinutes(1), lead: 2, inFlight, Noon);

        // Assert
        Assert.Equal(expected, capacity);
    }

    [Fact]
    public void Capacity_BudgetWindowShorterThanAMinute_ReleasesTheLimitPerWindow()
    {
        // Arrange: a test's account of 20 per 2 s window; one 5 s dispatch interval holds two and a half windows.
        var budget = new BudgetOptions { RequestsPerMinute = 20, RequestsPerDay = 1000, Window = TimeSpan.FromSeconds(2) };

        // Act
        var capacity = BatchPace.Capacity(new BudgetState { Day = "2026-03-10" }, budget, TimeSpan.FromSeconds(5), lead: 2, inFlight: 0, Noon);

        // Assert
        Assert.Equal(52, capacity);
    }

    [Fact]
    public void Capacity_FewRequestsLeftToday_IsCappedByTheDayLessInFlight()
    {
        // Arrange: 1000 a day, 995 spent, 2 released and not finished.
        var state = new BudgetState { Day = "2026-03-10", DayUsed = 995 };

        // Act
        var capacity = BatchPace.Capacity(state, FreeTier, TimeSpan.FromMinutes(1), lead: 2, inFlight: 2, Noon);

        // Assert
        Assert.Equal(3, capacity);
    }

    [Fact]
    public void Capacity_LearnedLowerRateAndLongerInterval_UsesTheLearnedRate()
    {
        // Arrange
        var state = new BudgetState { Day = "2026-03-10", LearnedRequestsPerMinute = 10 };

        // Act
        var capacity = BatchPace.Capacity(state, FreeTier, TimeSpan.FromMinutes(5), lead: 2, inFlight: 0, Noon);

        // Assert
        Assert.Equal(52, capacity);
    }

    [Fact]
    public void Capacity_PausedOrDaySpent_IsZeroAndSaysUntilWhen()
    {
        // Arrange
        var paused = new BudgetState { Day = "2026-03-10", PausedUntil = Noon.AddMinutes(3) };
        var spent = new BudgetState { Day = "2026-03-10", DayUsed = 1000 };

        // Act + Assert
        Assert.Equal(0, BatchPace.Capacity(paused, FreeTier, TimeSpan.FromMinutes(1), 2, 0, Noon));
        Assert.Equal(Noon.AddMinutes(3), BatchPace.ReleaseBlockedUntil(paused, FreeTier, Noon));
        Assert.Equal(0, BatchPace.Capacity(spent, FreeTier, TimeSpan.FromMinutes(1), 2, 0, Noon));
        Assert.Equal(new DateTimeOffset(2026, 3, 11, 0, 0, 0, TimeSpan.Zero), BatchPace.ReleaseBlockedUntil(spent, FreeTier, Noon));
    }

    [Fact]
    public void EstimateCompletion_FitsInToday_IsRemainingOverRate()
    {
        // Arrange
        var state = new BudgetState { Day = "2026-03-10", DayUsed = 0 };

        // Act
        var eta = BatchPace.EstimateCompletion(state, FreeTier, remaining: 100, Noon);

        // Assert: 100 requests at 20 a minute.
        Assert.Equal(Noon.AddMinutes(5), eta);
    }

    [Fact]
    public void EstimateCompletion_TenThousandOnFiftyADay_TakesTheDailyCapIntoAccount()
    {
        // Arrange: 50 a day, 10 left today.
        var budget = new BudgetOptions { RequestsPerMinute = 20, RequestsPerDay = 50 };
        var state = new BudgetState { Day = "2026-03-10", DayUsed = 40 };

        // Act
        var eta = BatchPace.EstimateCompletion(state, budget, remaining: 10_000, Noon);

        // Assert: 10 today, then 9,990 at 50 a day: 199 full days and 40 on the last, which takes 2 minutes.
        var firstMidnight = new DateTimeOffset(2026, 3, 11, 0, 0, 0, TimeSpan.Zero);
        Assert.Equal(firstMidnight.AddDays(199).AddMinutes(2), eta);
    }
}
