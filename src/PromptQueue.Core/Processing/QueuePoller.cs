using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Logging;

namespace PromptQueue.Core.Processing;

/// <summary>How one queue is polled by the standalone host.</summary>
/// <param name="Queue">The queue.</param>
/// <param name="Concurrency">Messages handled at once.</param>
/// <param name="Visibility">How long a received message stays hidden while it is handled.</param>
/// <param name="MaxPollingInterval">Longest pause between polls of an empty queue.</param>
public sealed record QueuePolling(QueueClient Queue, int Concurrency, TimeSpan Visibility, TimeSpan MaxPollingInterval);

/// <summary>
/// The standalone host's receive loop for any queue, standing in for the Functions queue trigger: it keeps up to a
/// number of messages in hand and survives storage outages. What happens to a message is the handler's business.
/// </summary>
/// <param name="time">The clock of the pauses between polls.</param>
/// <param name="logger">The owning loop's logger, so that its failures read under its name.</param>
public sealed partial class QueuePoller(TimeProvider time, ILogger logger)
{
    private static readonly TimeSpan MinPollingInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Keeps up to <see cref="QueuePolling.Concurrency"/> messages in hand, receiving more as soon as any finishes, as
    /// the Functions host does: one slow message never idles the other slots. Stops taking messages when
    /// <paramref name="stopping"/> fires, then waits for those in hand, which see <paramref name="inFlight"/>.
    /// </summary>
    public async Task PollAsync(
        QueuePolling polling,
        Func<QueueMessage, CancellationToken, Task> handle,
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
            while (wanted < concurrency && free.Wait(0))
            {
                wanted++;
            }

            var messages = await ReceiveAsync(polling, wanted, stopping);
            if (messages.Length < wanted)
            {
                free.Release(wanted - messages.Length);
            }

            if (messages.Length == 0)
            {
                await DelayAsync(idle, stopping);
                idle = TimeSpan.FromTicks(Math.Min(idle.Ticks * 2, polling.MaxPollingInterval.Ticks));
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
            try
            {
                await handle(message, inFlight);
            }
            catch (Exception ex)
            {
                // The handlers deal with every failure they expect; anything else must not stop the loop.
                LogDeliveryFailed(ex, message.MessageId, message.DequeueCount);
            }
            finally
            {
                free.Release();
            }
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

    [LoggerMessage(LogLevel.Warning, "Polling queue {Queue} failed; retrying")]
    private partial void LogPollFailed(Exception exception, string queue);

    [LoggerMessage(LogLevel.Error, "Delivery of message {MessageId} failed (delivery {DequeueCount}); it will be retried")]
    private partial void LogDeliveryFailed(Exception exception, string messageId, long dequeueCount);
}
