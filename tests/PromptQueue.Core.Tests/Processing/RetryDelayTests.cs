using PromptQueue.Core.OpenRouter;
using PromptQueue.Core.Processing;

namespace PromptQueue.Core.Tests.Processing;

public sealed class RetryDelayTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 22, 30, 0, TimeSpan.Zero);
    private static readonly PromptQueueOptions Options = new() { RetryBaseDelay = TimeSpan.FromSeconds(10), RetryMaxDelay = TimeSpan.FromMinutes(5) };
    private static readonly ProviderError Error = new(429, "429", "Rate limit exceeded", null, null, null);

    [Fact]
    public void For_PerDayLimitWithoutReset_WaitsUntilNextUtcMidnight()
    {
        // Act
        var delay = RetryDelay.For(new ChatRetryLater(RetryReason.RateLimitedPerDay, Error, null, null), 1, Now, Options);

        // Assert
        Assert.Equal(TimeSpan.FromMinutes(90), delay);
    }

    [Fact]
    public void For_PerMinuteLimitWithReset_WaitsUntilTheReset()
    {
        // Arrange
        var limit = new RateLimitInfo(20, 0, Now.AddSeconds(17));

        // Act
        var delay = RetryDelay.For(new ChatRetryLater(RetryReason.RateLimitedPerMinute, Error, null, limit), 1, Now, Options);

        // Assert
        Assert.Equal(TimeSpan.FromSeconds(17), delay);
    }

    [Fact]
    public void For_ServerErrorWithRetryAfter_HonoursIt()
    {
        // Act
        var delay = RetryDelay.For(new ChatRetryLater(RetryReason.ServerError, Error, TimeSpan.FromSeconds(42), null), 3, Now, Options);

        // Assert
        Assert.Equal(TimeSpan.FromSeconds(42), delay);
    }

    [Theory]
    [InlineData(1, 10)]
    [InlineData(2, 20)]
    [InlineData(4, 80)]
    [InlineData(10, 300)]
    public void FullJitter_Attempt_StaysWithinTheExponentialCeiling(int attempts, int ceilingSeconds)
    {
        // Arrange
        var random = new Random(1);

        // Act
        var delays = Enumerable.Range(0, 200).Select(_ => RetryDelay.FullJitter(attempts, Options, random)).ToList();

        // Assert
        Assert.All(delays, d => Assert.InRange(d, TimeSpan.Zero, TimeSpan.FromSeconds(ceilingSeconds)));
        Assert.True(delays.Max() > TimeSpan.FromSeconds(ceilingSeconds * 0.8), "full jitter should reach near its ceiling");
        Assert.True(delays.Min() < TimeSpan.FromSeconds(ceilingSeconds * 0.2), "full jitter should reach near zero");
    }

    [Fact]
    public void NextUtcMidnight_LateEvening_IsTheNextDay()
    {
        // Act
        var midnight = PromptQueue.Core.Budget.BudgetRules.NextUtcMidnight(Now);

        // Assert
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero), midnight);
    }
}
