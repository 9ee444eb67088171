using System.Threading.Channels;
using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PromptQueue.Hosting.Worker;

namespace PromptQueue.Hosting.Tests.Worker;

/// <summary>The receive loop's manners towards the budget: it leaves work on the queue it could not start, and wakes for work that is due.</summary>
public sealed class QueuePollerTests
{
    private static readonly TimeSpan MaxPollingInterval = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task PollAsync_AdviceHoldsOff_ReceivesNothingUntilTheHoldEndsAskingAgainEveryPollingInterval()
    {
        // Arrange: the budget says nothing could start for 30 s.
        var time = new ParkingClock();
        var start = time.GetUtcNow();
        var queue = new EmptyQueue(time);
        var holdUntil = (DateTimeOffset?)start.AddSeconds(30);
        var asked = new List<DateTimeOffset>();
        using var stop = new CancellationTokenSource();
        var polling = new QueuePolling(queue, 6, TimeSpan.FromMinutes(10), MaxPollingInterval, _ =>
        {
            asked.Add(time.GetUtcNow());
            return Task.FromResult((holdUntil, (DateTimeOffset?)null));
        });

        // Act: two pauses held off, then the hold is lifted.
        var poller = new QueuePoller(time, NullLogger.Instance).PollAsync(polling, (_, _) => Task.CompletedTask, stop.Token, CancellationToken.None);
        time.SetUtcNow(await time.NextPauseEndAsync());
        var secondPauseEnds = await time.NextPauseEndAsync();
        var receivedWhileHeld = queue.Receives.Count;
        holdUntil = null;
        time.SetUtcNow(secondPauseEnds);
        await time.NextPauseEndAsync();
        await stop.CancelAsync();
        await poller;

        // Assert: held, it asked again after each polling interval; free, it received at once.
        Assert.Equal(0, receivedWhileHeld);
        Assert.Equal([start, start.AddSeconds(10), start.AddSeconds(20)], asked.Take(3));
        Assert.Equal(start.AddSeconds(20), queue.Receives[0]);
    }

    [Fact]
    public async Task PollAsync_QueueEmptyAndAReservedJobDue_PollsAtItsTimeInsteadOfAfterTheBackoff()
    {
        // Arrange: a deferred job's message is due back 5 s from now; the queue is empty until then.
        var time = new ParkingClock();
        var start = time.GetUtcNow();
        var queue = new EmptyQueue(time);
        using var stop = new CancellationTokenSource();
        var polling = new QueuePolling(queue, 6, TimeSpan.FromMinutes(10), MaxPollingInterval, _ => Task.FromResult(((DateTimeOffset?)null, (DateTimeOffset?)start.AddSeconds(5))));

        // Act: from pause to pause for 12 s.
        var poller = new QueuePoller(time, NullLogger.Instance).PollAsync(polling, (_, _) => Task.CompletedTask, stop.Token, CancellationToken.None);
        for (var pauseEnds = await time.NextPauseEndAsync(); pauseEnds < start.AddSeconds(12); pauseEnds = await time.NextPauseEndAsync())
        {
            time.SetUtcNow(pauseEnds);
        }

        await stop.CancelAsync();
        await poller;

        // Assert: the backoff alone (50 ms doubling: 0, 0.05, 0.15, ... 3.15 and then 6.35 s) would skip 5 s; the poller
        // looks at 5 s, then backs off from the start again.
        var seconds = queue.Receives.Select(r => Math.Round((r - start).TotalSeconds, 3)).ToList();
        Assert.Equal([0, 0.05, 0.15, 0.35, 0.75, 1.55, 3.15, 5, 5.05, 5.15], seconds.Take(10));
    }

    /// <summary>
    /// A fake clock that notes the pauses the poller takes, so a test moves time exactly to the end of each one, and
    /// reads what the poller did, only once the poller is in its next pause, never while it is still working.
    /// </summary>
    private sealed class ParkingClock : FakeTimeProvider
    {
        private readonly Channel<DateTimeOffset> _pauseEnds = Channel.CreateUnbounded<DateTimeOffset>();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                _pauseEnds.Writer.TryWrite(GetUtcNow() + dueTime);
            }

            return timer;
        }

        /// <summary>Waits for the poller to pause, and says when its pause ends.</summary>
        public async Task<DateTimeOffset> NextPauseEndAsync()
        {
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            return await _pauseEnds.Reader.ReadAsync(patience.Token);
        }
    }

    /// <summary>A queue that is always empty and notes when it was asked, by the test's clock.</summary>
    private sealed class EmptyQueue(TimeProvider time) : QueueClient
    {
        private readonly Lock _gate = new();
        private readonly List<DateTimeOffset> _receives = [];

        public IReadOnlyList<DateTimeOffset> Receives
        {
            get
            {
                lock (_gate)
                {
                    return [.. _receives];
                }
            }
        }

        public override string Name => "jobs";

        public override Task<Response<QueueMessage[]>> ReceiveMessagesAsync(int? maxMessages = null, TimeSpan? visibilityTimeout = null, CancellationToken cancellationToken = default)
        {
            lock (_gate)
            {
                _receives.Add(time.GetUtcNow());
            }

            return Task.FromResult(Response.FromValue(Array.Empty<QueueMessage>(), null!));
        }
    }
}
