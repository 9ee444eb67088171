using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Logging;

namespace PromptQueue.Hosting.Worker;

/// <summary>How one queue is polled by the standalone host.</summary>
/// <param name="Queue">The queue.</param>
/// <param name="Concurrency">Messages handled at once.</param>
/// <param name="Visibility">
/// How long a received message stays hidden; while its handler runs it is hidden again every half of this, as the
/// Functions host does with its trigger's messages, so a long job's message never reappears under a live worker.
/// </param>
/// <param name="MaxPollingInterval">Longest pause between polls of an empty queue.</param>
/// <param name="Advice">
/// Asked before every receive: hold off taking messages until <c>HoldUntil</c> (their work could not start before
/// then), and poll again by <c>WakeAt</c> however long the queue has been empty. Null: always receive.
/// </param>
public sealed record QueuePolling(
    QueueClient Queue,
    int Concurrency,
    TimeSpan Visibility,
    TimeSpan MaxPollingInterval,
    Func<CancellationToken, Task<(DateTimeOffset? HoldUntil, DateTimeOffset? WakeAt)>>? Advice = null);

/// <summary>
/// The standalone host's receive loop for any queue, standing in for the Functions queue trigger: it keeps up to a
/// number of messages in hand and survives storage outages. What happens to a message is the handler's business.
/// </summary>
/// <param name="time">The clock of the pauses between polls.</param>
/// <param name="logger">The owning loop's logger, so that its failures read under its name.</param>
public sealed partial class QueuePoller(TimeProvider time, ILogger logger)
{
    /// <summary>The Functions host's own: its queue trigger takes messages for ten minutes and renews them at half.</summary>
    public static readonly TimeSpan ProcessingVisibility = TimeSpan.FromMinutes(10);

    private static readonly TimeSpan MinPollingInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>The queue service hands out at most this many messages per receive.</summary>
    private const int MaxMessagesPerReceive = 32;

    /// <summary>
    /// Keeps up to <see cref="QueuePolling.Concurrency"/> messages in hand, receiving more as soon as any finishes, as
    /// the Functions host does: one slow message never idles the other slots. Stops taking messages when
    /// <paramref name="stopping"/> fires, then waits for those in hand, which see <paramref name="inFlight"/>.
    /// </summary>
    public async Task PollAsync(
        QueuePolling polling,
        Func<LeasedMessage, CancellationToken, Task> handle,
        CancellationToken stopping,
        CancellationToken inFlight)
    {
        ArgumentNullException.ThrowIfNull(polling);
        ArgumentNullException.ThrowIfNull(handle);
        var concurrency = polling.Concurrency;
        using var free = new SemaphoreSlim(concurrency, concurrency);
        var running = new HashSet<Task>();
        var idle = MinPollingInterval;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await free.WaitAsync(stopping);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            var wanted = 1;
            while (wanted < Math.Min(concurrency, MaxMessagesPerReceive) && free.Wait(0))
            {
                wanted++;
            }

            var (holdUntil, wakeAt) = await AdviseAsync(polling, stopping);
            var now = time.GetUtcNow();
            if (holdUntil > now)
            {
                // Nothing received could start before then: leave the messages to the queue instead of taking them only
                // to put them back. Look again at least every polling interval, as what holds them may change.
                free.Release(wanted);
                await DelayAsync(Shortest(holdUntil.Value - now, polling.MaxPollingInterval), stopping);
                idle = MinPollingInterval;
                continue;
            }

            var messages = await ReceiveAsync(polling, wanted, stopping);
            if (messages.Length < wanted)
            {
                free.Release(wanted - messages.Length);
            }

            if (messages.Length == 0)
            {
                // A message known to be due (a deferred job's reserved slot) is not left waiting for the idle backoff.
                var wakeIn = wakeAt - time.GetUtcNow();
                await DelayAsync(wakeIn > TimeSpan.Zero ? Shortest(idle, wakeIn.Value) : idle, stopping);
                idle = wakeIn > TimeSpan.Zero && wakeIn < idle ? MinPollingInterval : TimeSpan.FromTicks(Math.Min(idle.Ticks * 2, polling.MaxPollingInterval.Ticks));
                continue;
            }

            idle = MinPollingInterval;
            running.RemoveWhere(task => task.IsCompleted);
            foreach (var message in messages)
            {
                running.Add(HandleAndFreeAsync(message));
            }
        }

        // Stopped taking messages: let those in hand finish (or be released once the grace runs out).
        await Task.WhenAll(running);

        async Task HandleAndFreeAsync(QueueMessage message)
        {
            var leased = new LeasedMessage(message, polling, time, this);
            try
            {
                await handle(leased, inFlight);
            }
            catch (Exception ex)
            {
                // The handlers deal with every failure they expect; anything else must not stop the loop.
                LogDeliveryFailed(ex, message.MessageId, message.DequeueCount);
            }
            finally
            {
                await leased.DisposeAsync();
                free.Release();
            }
        }
    }

    private static TimeSpan Shortest(TimeSpan first, TimeSpan second) => first < second ? first : second;

    private async Task<(DateTimeOffset? HoldUntil, DateTimeOffset? WakeAt)> AdviseAsync(QueuePolling polling, CancellationToken stopping)
    {
        if (polling.Advice is not { } advice)
        {
            return (null, null);
        }

        try
        {
            return await advice(stopping);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The advice saves work; without it the messages are taken as usual, and their handlers cope.
            LogAdviceFailed(ex, polling.Queue.Name);
            return (null, null);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return (null, null);
        }
    }

    /// <summary>Waits, returning early and quietly when <paramref name="cancellationToken"/> fires.</summary>
    public async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, time, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task<QueueMessage[]> ReceiveAsync(QueuePolling polling, int count, CancellationToken stopping)
    {
        var queue = polling.Queue;
        try
        {
            return (await queue.ReceiveMessagesAsync(count, polling.Visibility, stopping)).Value;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return [];
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 404)
        {
            // The queue itself is gone (deleted, or lost by an emulator restart): recreate it and carry on.
            LogPollFailed(ex, queue.Name);
            await queue.CreateIfNotExistsAsync(cancellationToken: stopping);
            return [];
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Storage is down or restarting: keep polling, backing off, until it answers again.
            LogPollFailed(ex, queue.Name);
            return [];
        }
    }

    [LoggerMessage(LogLevel.Warning, "Keeping message {MessageId} hidden failed; it may reappear while it is handled")]
    internal partial void LogRenewalFailed(Exception exception, string messageId);

    [LoggerMessage(LogLevel.Warning, "Asking whether to receive from queue {Queue} failed; receiving anyway")]
    private partial void LogAdviceFailed(Exception exception, string queue);

    [LoggerMessage(LogLevel.Warning, "Polling queue {Queue} failed; retrying")]
    private partial void LogPollFailed(Exception exception, string queue);

    [LoggerMessage(LogLevel.Error, "Delivery of message {MessageId} failed (delivery {DequeueCount}); it will be retried")]
    private partial void LogDeliveryFailed(Exception exception, string messageId, long dequeueCount);
}

/// <summary>
/// A received message that the poller keeps hidden while its handler runs, by renewing its visibility every half of
/// <see cref="QueuePolling.Visibility"/>. Each renewal changes the pop receipt: a handler ends the lease, then deletes
/// or hides the message with <see cref="PopReceipt"/>.
/// </summary>
public sealed class LeasedMessage : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _renewing;
    private string _popReceipt;

    internal LeasedMessage(QueueMessage message, QueuePolling polling, TimeProvider time, QueuePoller poller)
    {
        Message = message;
        _popReceipt = message.PopReceipt;
        _renewing = RenewAsync(polling, time, poller);
    }

    public QueueMessage Message { get; }

    /// <summary>The receipt of the latest renewal.</summary>
    public string PopReceipt => Volatile.Read(ref _popReceipt);

    /// <summary>Stops renewing and waits for a renewal under way, so the receipt no longer changes.</summary>
    public async Task EndLeaseAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
        }

        await _renewing;
    }

    public async ValueTask DisposeAsync()
    {
        await EndLeaseAsync();
        _stop.Dispose();
    }

    private async Task RenewAsync(QueuePolling polling, TimeProvider time, QueuePoller poller)
    {
        var interval = polling.Visibility / 2;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, time, _stop.Token);
                var receipt = await polling.Queue.UpdateMessageAsync(Message.MessageId, PopReceipt, visibilityTimeout: polling.Visibility, cancellationToken: _stop.Token);
                Volatile.Write(ref _popReceipt, receipt.Value.PopReceipt);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Storage is failing: keep trying; at worst the message reappears and its job is found taken.
                poller.LogRenewalFailed(ex, Message.MessageId);
            }
        }
    }
}
