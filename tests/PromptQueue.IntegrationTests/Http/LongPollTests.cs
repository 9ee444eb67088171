using Microsoft.Extensions.Time.Testing;
using PromptQueue.Http.Api;

namespace PromptQueue.IntegrationTests.Http;

public sealed class LongPollTests
{
    private static readonly TimeSpan Cap = TimeSpan.FromSeconds(200);

    [Theory]
    [InlineData(null, 0)]
    [InlineData("0", 0)]
    [InlineData("30", 30)]
    [InlineData("200", 200)]
    [InlineData("100000", 200)]
    public void TryParseWait_WholeSeconds_AreCutToTheCap(string? value, int expectedSeconds)
    {
        // Act
        var ok = LongPoll.TryParseWait(value, Cap, out var wait, out var error);

        // Assert
        Assert.True(ok);
        Assert.Null(error);
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), wait);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData("soon")]
    [InlineData(" 5")]
    [InlineData("99999999999999")]
    public void TryParseWait_AnythingElse_IsAnErrorThatNamesTheRange(string value)
    {
        // Act
        var ok = LongPoll.TryParseWait(value, Cap, out _, out var error);

        // Assert
        Assert.False(ok);
        Assert.Contains("from 0 to 200", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UntilAsync_NeverDone_ReadsWithGrowingPausesUntilTheWaitEnds()
    {
        // Arrange
        var time = new PauseRecordingTimeProvider();
        var start = time.GetUtcNow();
        var reads = new List<TimeSpan>();

        // Act
        var polling = LongPoll.UntilAsync(0, _ => { reads.Add(time.GetUtcNow() - start); return Task.FromResult(reads.Count); }, _ => false, TimeSpan.FromSeconds(6), time, CancellationToken.None);
        var result = await DriveAsync(time, polling);

        // Assert: 250 ms, then doubling to the 2 s ceiling, and a last read exactly at the end of the wait.
        Assert.Equal([250, 750, 1750, 3750, 5750, 6000], reads.Select(r => (int)r.TotalMilliseconds));
        Assert.Equal(6, result);
    }

    [Fact]
    public async Task UntilAsync_DoneOnTheSecondRead_ReturnsThatValueAtOnce()
    {
        // Arrange
        var time = new PauseRecordingTimeProvider();
        var reads = 0;

        // Act
        var polling = LongPoll.UntilAsync("Running", _ => Task.FromResult(++reads == 2 ? "Completed" : "Running"), s => s == "Completed", TimeSpan.FromSeconds(200), time, CancellationToken.None);
        var result = await DriveAsync(time, polling);

        // Assert
        Assert.Equal(("Completed", 2), (result, reads));
    }

    [Fact]
    public async Task UntilAsync_AlreadyDoneOrNoWait_ReadsNothing()
    {
        // Arrange
        var time = new FakeTimeProvider();
        var reads = 0;

        // Act
        var done = await LongPoll.UntilAsync("Completed", _ => Task.FromResult(++reads + ""), s => s == "Completed", TimeSpan.FromSeconds(200), time, CancellationToken.None);
        var noWait = await LongPoll.UntilAsync("Queued", _ => Task.FromResult(++reads + ""), s => s == "Completed", TimeSpan.Zero, time, CancellationToken.None);

        // Assert
        Assert.Equal(("Completed", "Queued", 0), (done, noWait, reads));
    }

    /// <summary>Moves the fake clock on in small steps until the poll finishes (bounded, so a bug fails instead of hanging).</summary>
    /// <summary>
    /// Fires each pause of the poll exactly when it is due, and only once the poll has set it: fake time never runs
    /// ahead of the code under test, however slowly its continuations are scheduled on a loaded machine.
    /// </summary>
    private static async Task<T> DriveAsync<T>(PauseRecordingTimeProvider time, Task<T> polling)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var pausesFired = 0;
        while (!polling.IsCompleted)
        {
            if (time.PausesSet > pausesFired)
            {
                pausesFired++;
                time.Advance(time.LastPause);
                continue;
            }

            Assert.False(deadline.IsCancellationRequested, "the poll neither finished nor paused again");
            await Task.Delay(TimeSpan.FromMilliseconds(1), CancellationToken.None);
        }

        return await polling;
    }

    /// <summary>A fake clock that remembers each timer the code sets, so a test can fire it exactly when due.</summary>
    private sealed class PauseRecordingTimeProvider : FakeTimeProvider
    {
        private int _pausesSet;

        public int PausesSet => Volatile.Read(ref _pausesSet);

        public TimeSpan LastPause { get; private set; }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            LastPause = dueTime;
            Interlocked.Increment(ref _pausesSet);
            return base.CreateTimer(callback, state, dueTime, period);
        }
    }
}
