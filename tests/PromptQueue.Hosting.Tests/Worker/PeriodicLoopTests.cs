using Microsoft.Extensions.Time.Testing;
using PromptQueue.Hosting.Worker;

namespace PromptQueue.Hosting.Tests.Worker;

/// <summary>The shape of the standalone worker's stand-ins for timer triggers: a pass, a wait, again, until stopped.</summary>
public sealed class PeriodicLoopTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task RunAsync_Started_RunsAPassAtOnceAndTheNextAfterTheInterval()
    {
        // Arrange
        var time = new FakeTimeProvider();
        using var passes = new Passes();
        using var stop = new CancellationTokenSource();

        // Act: the first pass and the wait after it begin before RunAsync returns.
        var loop = PeriodicLoop.RunAsync(passes.RunAsync, Interval, time, _ => { }, stop.Token);
        var afterFirst = passes.Count;
        time.Advance(Interval - TimeSpan.FromTicks(1));
        var beforeInterval = passes.Count;
        time.Advance(TimeSpan.FromTicks(1));
        await passes.WaitForAsync(2);
        await stop.CancelAsync();
        await loop;

        // Assert
        Assert.Equal((1, 1, 2), (afterFirst, beforeInterval, passes.Count));
    }

    [Fact]
    public async Task RunAsync_PassFails_ReportsItAndRunsTheNextAfterTheInterval()
    {
        // Arrange
        var time = new FakeTimeProvider();
        using var passes = new Passes { FailFirst = true };
        var failures = new List<Exception>();
        using var stop = new CancellationTokenSource();

        // Act
        var loop = PeriodicLoop.RunAsync(passes.RunAsync, Interval, time, failures.Add, stop.Token);
        time.Advance(Interval);
        await passes.WaitForAsync(2);
        await stop.CancelAsync();
        await loop;

        // Assert: as a timer's next tick would, the next pass came; the failure went to the handler, not the caller.
        Assert.IsType<InvalidOperationException>(Assert.Single(failures));
        Assert.Equal(2, passes.Count);
    }

    [Fact]
    public async Task RunAsync_StoppedWhileWaiting_ReturnsWithoutThrowing()
    {
        // Arrange
        var time = new FakeTimeProvider();
        using var passes = new Passes();
        using var stop = new CancellationTokenSource();
        var loop = PeriodicLoop.RunAsync(passes.RunAsync, Interval, time, _ => { }, stop.Token);

        // Act
        await stop.CancelAsync();
        await loop;

        // Assert
        Assert.True(loop.IsCompletedSuccessfully);
        Assert.Equal(1, passes.Count);
    }

    [Fact]
    public async Task RunAsync_StoppedMidPass_ReturnsWithoutThrowingOrReportingAFailure()
    {
        // Arrange: a pass that runs until it is cancelled.
        var time = new FakeTimeProvider();
        var failures = new List<Exception>();
        using var stop = new CancellationTokenSource();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var loop = PeriodicLoop.RunAsync(
            async cancellationToken =>
            {
                started.TrySetResult();
                await Task.Delay(Timeout.InfiniteTimeSpan, time, cancellationToken);
            },
            Interval,
            time,
            failures.Add,
            stop.Token);
        await started.Task;

        // Act
        await stop.CancelAsync();
        await loop;

        // Assert
        Assert.True(loop.IsCompletedSuccessfully);
        Assert.Empty(failures);
    }

    /// <summary>Counts passes, each completing at once, and lets a test wait for the n-th.</summary>
    private sealed class Passes : IDisposable
    {
        private readonly SemaphoreSlim _ran = new(0);
        private int _count;

        public bool FailFirst { get; init; }

        public int Count => Volatile.Read(ref _count);

        public Task RunAsync(CancellationToken cancellationToken)
        {
            var count = Interlocked.Increment(ref _count);
            _ran.Release();
            return FailFirst && count == 1 ? Task.FromException(new InvalidOperationException("a storage fault")) : Task.CompletedTask;
        }

        public void Dispose() => _ran.Dispose();

        public async Task WaitForAsync(int count)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (Count < count)
            {
                await _ran.WaitAsync(timeout.Token);
            }
        }
    }
}
