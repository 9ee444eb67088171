using System.ComponentModel.DataAnnotations;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PromptQueue.Core.Storage;

namespace PromptQueue.Core.Processing;

/// <summary>How the standalone host polls the job queue; the Functions host reads the same values from host.json.</summary>
public sealed class QueueListenerOptions
{
    public const string SectionName = "PromptQueue:Listener";

    /// <summary>Messages handled at once by one host.</summary>
    [Range(1, 32)]
    public int Concurrency { get; set; } = 4;

    /// <summary>After this many failed deliveries a message moves to the poison queue, as in host.json.</summary>
    [Range(1, 100)]
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>How long a failed message stays hidden before its next delivery, as host.json's visibilityTimeout.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan RetryVisibility { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>On stop, how long jobs in flight may run on before they are cancelled and released to another host.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan ShutdownGrace { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often to look for Running jobs whose claim lapsed long ago with no message left to bring them back.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Longest pause between polls of an empty queue.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan MaxPollingInterval { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// The standalone host's stand-in for the Functions queue trigger: the same peek-lock, retry and poison semantics,
/// handing each message to the same <see cref="JobProcessor"/>.
/// </summary>
public sealed partial class JobQueueListener(
    QueueServiceClient queues,
    JobQueueClient jobQueue,
    JobProcessor processor,
    StrandedJobSweeper sweeper,
    IOptions<QueueListenerOptions> listenerOptions,
    IOptions<PromptQueueOptions> options,
    TimeProvider time,
    ILogger<JobQueueListener> logger) : IWorkerLoop
{
    private static readonly TimeSpan MinPollingInterval = TimeSpan.FromMilliseconds(50);

    private readonly QueueListenerOptions _listener = listenerOptions.Value;

    /// <summary>The queue a message goes to after too many failed deliveries (named as the Functions host names it).</summary>
    public QueueClient PoisonQueue { get; } = queues.GetQueueClient(options.Value.JobQueue + "-poison");

    /// <summary>Polls the job queue and the poison queue until <paramref name="cancellationToken"/> fires.</summary>
    /// <remarks>
    /// When <paramref name="cancellationToken"/> fires, no new message is taken. Jobs in flight get
    /// <see cref="QueueListenerOptions.ShutdownGrace"/> to finish; past it they are cancelled and released, so that
    /// another host takes them over at once instead of after their claim lapses.
    /// </remarks>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await PoisonQueue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        using var inFlight = new CancellationTokenSource();
        using var graceTimer = cancellationToken.Register(() => inFlight.CancelAfter(_listener.ShutdownGrace));
        await Task.WhenAll(
            PollAsync(jobQueue.Client, _listener.Concurrency, HandleJobMessageAsync, cancellationToken, inFlight.Token),
            PollAsync(PoisonQueue, 1, HandlePoisonMessageAsync, cancellationToken, inFlight.Token),
            SweepAsync(cancellationToken));
    }

    /// <summary>The standalone host's counterpart of the Functions app's <c>RecoverStrandedJobs</c> timer.</summary>
    private async Task SweepAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await sweeper.SweepAsync(stopping);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogSweepFailed(ex);
            }

            await DelayAsync(_listener.SweepInterval, stopping);
        }
    }

    /// <summary>
    /// Keeps up to <paramref name="concurrency"/> messages in hand, receiving more as soon as any finishes, as the
    /// Functions host does: one slow model call never idles the other slots.
    /// </summary>
    private async Task PollAsync(
        QueueClient queue,
        int concurrency,
        Func<QueueMessage, CancellationToken, Task> handle,
        CancellationToken stopping,
        CancellationToken inFlight)
    {
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

            var messages = await ReceiveAsync(queue, wanted, stopping);
            if (messages.Length < wanted)
            {
                free.Release(wanted - messages.Length);
            }

            if (messages.Length == 0)
            {
                await DelayAsync(idle, stopping);
                idle = TimeSpan.FromTicks(Math.Min(idle.Ticks * 2, _listener.MaxPollingInterval.Ticks));
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
                // The handlers deal with every failure they expect; anything else must not stop the listener.
                LogDeliveryFailed(ex, message.MessageId, message.DequeueCount);
            }
            finally
            {
                free.Release();
            }
        }
    }

    private async Task<QueueMessage[]> ReceiveAsync(QueueClient queue, int count, CancellationToken stopping)
    {
        try
        {
            // The claim on a running job outlasts any model call, so the message stays hidden while it runs.
            return (await queue.ReceiveMessagesAsync(count, options.Value.ClaimDuration, stopping)).Value;
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

    private async Task HandleJobMessageAsync(QueueMessage message, CancellationToken cancellationToken)
    {
        if (message.DequeueCount > _listener.MaxDequeueCount)
        {
            await MoveToPoisonAsync(message, cancellationToken);
            return;
        }

        try
        {
            await processor.ProcessAsync(new JobDelivery(message.Body.ToString(), message.MessageId), cancellationToken);

            // The job's state is written; deleting its message must happen even while stopping.
            await jobQueue.Client.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogDeliveryFailed(ex, message.MessageId, message.DequeueCount);
            await ReleaseOrPoisonAsync(message, cancellationToken);
        }
        catch (Exception ex)
        {
            // Stopping, and the job could not even be released: its message reappears when its hidden time runs out.
            LogDeliveryFailed(ex, message.MessageId, message.DequeueCount);
        }
    }

    private async Task HandlePoisonMessageAsync(QueueMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await processor.DeadLetterAsync(new JobDelivery(message.Body.ToString(), message.MessageId), cancellationToken);
            await PoisonQueue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
        }
        catch (Exception ex)
        {
            // Left in the poison queue: it becomes visible again and is retried, never lost.
            LogDeliveryFailed(ex, message.MessageId, message.DequeueCount);
        }
    }

    private async Task ReleaseOrPoisonAsync(QueueMessage message, CancellationToken cancellationToken)
    {
        try
        {
            if (message.DequeueCount >= _listener.MaxDequeueCount)
            {
                await MoveToPoisonAsync(message, cancellationToken);
            }
            else
            {
                await jobQueue.Client.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: _listener.RetryVisibility, cancellationToken: cancellationToken);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Storage itself is failing (the SDK reports spent retries as an AggregateException); the message
            // reappears when its hidden time runs out.
            LogDeliveryFailed(ex, message.MessageId, message.DequeueCount);
        }
    }

    private async Task MoveToPoisonAsync(QueueMessage message, CancellationToken cancellationToken)
    {
        LogPoisoned(message.MessageId, message.DequeueCount, PoisonQueue.Name);
        await PoisonQueue.SendMessageAsync(message.Body.ToString(), cancellationToken: cancellationToken);
        await jobQueue.Client.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
    }

    private async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
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

    [LoggerMessage(LogLevel.Warning, "Looking for stranded jobs failed; trying again at the next sweep")]
    private partial void LogSweepFailed(Exception exception);

    [LoggerMessage(LogLevel.Warning, "Polling queue {Queue} failed; retrying")]
    private partial void LogPollFailed(Exception exception, string queue);

    [LoggerMessage(LogLevel.Error, "Delivery of message {MessageId} failed (delivery {DequeueCount}); it will be retried")]
    private partial void LogDeliveryFailed(Exception exception, string messageId, long dequeueCount);

    [LoggerMessage(LogLevel.Error, "Message {MessageId} failed {DequeueCount} deliveries; moved to {PoisonQueue}")]
    private partial void LogPoisoned(string messageId, long dequeueCount, string poisonQueue);
}
