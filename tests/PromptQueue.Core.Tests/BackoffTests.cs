namespace PromptQueue.Core.Tests;

public sealed class BackoffTests
{
    private static readonly TimeSpan Base = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Cap = TimeSpan.FromMinutes(1);

    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 4)]
    [InlineData(5, 32)]
    [InlineData(6, 60)]
    [InlineData(0, 2)]
    [InlineData(-3, 2)]
    public void Delay_NoJitter_IsTheCappedDoubling(int attempt, int seconds)
    {
        // Act
        var delay = Backoff.Delay(attempt, Base, Cap, BackoffJitter.None, new Random(1));

        // Assert
        Assert.Equal(TimeSpan.FromSeconds(seconds), delay);
    }

    [Theory]
    [InlineData(BackoffJitter.Full, 0.0)]
    [InlineData(BackoffJitter.Equal, 0.5)]
    public void Delay_Jitter_StaysBetweenItsFloorAndTheCeiling(BackoffJitter jitter, double floor)
    {
        // Arrange
        var random = new Random(7);

        // Act
        var delays = Enumerable.Range(0, 500).Select(_ => Backoff.Delay(4, Base, Cap, jitter, random)).ToList();

        // Assert: attempt 4 has a ceiling of 16 s.
        Assert.All(delays, d => Assert.InRange(d, TimeSpan.FromSeconds(16 * floor), TimeSpan.FromSeconds(16)));
        Assert.True(delays.Min() < TimeSpan.FromSeconds((16 * floor) + 1), "the jitter should reach near its floor");
        Assert.True(delays.Max() > TimeSpan.FromSeconds(15), "the jitter should reach near its ceiling");
    }

    [Theory]
    [InlineData(63)]
    [InlineData(1_000)]
    [InlineData(int.MaxValue)]
    public void Delay_HugeAttemptOrBase_IsTheCapNeverAnOverflow(int attempt)
    {
        // Act
        var fromHugeAttempt = Backoff.Delay(attempt, Base, Cap, BackoffJitter.None, new Random(1));
        var fromHugeBase = Backoff.Delay(attempt, TimeSpan.MaxValue, TimeSpan.MaxValue, BackoffJitter.Full, new Random(1));

        // Assert
        Assert.Equal(Cap, fromHugeAttempt);
        Assert.InRange(fromHugeBase, TimeSpan.Zero, TimeSpan.MaxValue);
    }
}
