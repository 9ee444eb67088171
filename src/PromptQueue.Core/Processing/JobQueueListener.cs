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
    ILogger<JobQueueListener> logger) : IWorkerLoop, IDisposable
{
    private readonly QueuePoller _poller = new(time, logger);

    private readonly QueueListenerOptions _listener = listenerOptions.Value;

    private readonly CancellationTokenSource _stopNow = new();

    private int _jobsInHand;

    /// <summary>Job messages being handled right now: what a stop waits for.</summary>
    public int JobsInHand => Volatile.Read(ref _jobsInHand);

    /// <summary>How long a stop lets the jobs in hand run on before they are cancelled and handed back.</summary>
    public TimeSpan ShutdownGrace => _listener.ShutdownGrace;

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
        using var inFlight = CancellationTokenSource.CreateLinkedTokenSource(_stopNow.Token);
        using var graceTimer = cancellationToken.Register(() => inFlight.CancelAfter(_listener.ShutdownGrace));
        // The claim on a running job outlasts any model call, so a message stays hidden while its job runs.
        await Task.WhenAll(
            _poller.PollAsync(Polling(jobQueue.Client, _listener.Concurrency), HandleJobMessageAsync, cancellationToken, inFlight.Token),
            _poller.PollAsync(Polling(PoisonQueue, 1), HandlePoisonMessageAsync, cancellationToken, inFlight.Token),
            SweepAsync(cancellationToken));
    }

    /// <summary>
    /// Ends the shutdown grace now: the jobs in hand are cancelled and handed back to the queue at once (a second
    /// Ctrl+C). Only meaningful once the loop is stopping; before that it also ends the jobs in hand.
    /// </summary>
    public void StopNow() => _stopNow.Cancel();

    public void Dispose() => _stopNow.Dispose();

    /// <summary>The standalone host's counterpart of the Functions app's <c>RecoverStrandedJobs</c> timer.</summary>
    private async Task SweepAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await sweeper.SweepAsync(stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                // Stopping mid-sweep: the next host's sweep starts over, since every step of one is idempotent.
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogSweepFailed(ex);
            }

            await _poller.DelayAsync(_listener.SweepInterval, stopping);
        }
    }

    private QueuePolling Polling(QueueClient queue, int concurrency) =>
        new(queue, concurrency, QueuePoller.ProcessingVisibility, _listener.MaxPollingInterval);

    private async Task HandleJobMessageAsync(LeasedMessage leased, CancellationToken cancellationToken)
    {
        var message = leased.Message;
        if (message.DequeueCount > _listener.MaxDequeueCount)
        {
            await leased.EndLeaseAsync();
            await MoveToPoisonAsync(message, leased.PopReceipt, cancellationToken);
            return;
        }

        Interlocked.Increment(ref _jobsInHand);
        try
        {
            await HandleJobAsync(leased, cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _jobsInHand);
        }
    }

    private async Task HandleJobAsync(LeasedMessage leased, CancellationToken cancellationToken)
    {
        var message = leased.Message;
        try
        {
            await processor.ProcessAsync(new JobDelivery(message.Body.ToString(), message.MessageId, message.InsertedOn), cancellationToken);

            // The job's state is written; deleting its message must happen even while stopping.
            await leased.EndLeaseAsync();
            await jobQueue.Client.DeleteMessageAsync(message.MessageId, leased.PopReceipt, CancellationToken.None);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogDeliveryFailed(ex, message.MessageId, message.DequeueCount);
            await leased.EndLeaseAsync();
            await ReleaseOrPoisonAsync(message, leased.PopReceipt, cancellationToken);
        }
        catch (Exception ex)
        {
            // Stopping, and the job could not even be released: its message reappears when its hidden time runs out.
            LogDeliveryFailed(ex, message.MessageId, message.DequeueCount);
        }
    }

    private async Task HandlePoisonMessageAsync(LeasedMessage leased, CancellationToken cancellationToken)
    {
        var message = leased.Message;
        try
        {
            await processor.DeadLetterAsync(new JobDelivery(message.Body.ToString(), message.MessageId, message.InsertedOn), cancellationToken);
            await leased.EndLeaseAsync();
            await PoisonQueue.DeleteMessageAsync(message.MessageId, leased.PopReceipt, cancellationToken);
        }
        catch (Exception ex)
        {
            // Left in the poison queue: it becomes visible again and is retried, never lost.
            LogDeliveryFailed(ex, message.MessageId, message.DequeueCount);
        }
    }

    private async Task ReleaseOrPoisonAsync(QueueMessage message, string popReceipt, CancellationToken cancellationToken)
    {
        try
        {
            if (message.DequeueCount >= _listener.MaxDequeueCount)
            {
                await MoveToPoisonAsync(message, popReceipt, cancellationToken);
            }
            else
            {
                await jobQueue.Client.UpdateMessageAsync(message.MessageId, popReceipt, visibilityTimeout: _listener.RetryVisibility, cancellationToken: cancellationToken);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Storage itself is failing (the SDK reports spent retries as an AggregateException); the message
            // reappears when its hidden time runs out.
            LogDeliveryFailed(ex, message.MessageId, message.DequeueCount);
        }
    }

    private async Task MoveToPoisonAsync(QueueMessage message, string popReceipt, CancellationToken cancellationToken)
    {
        LogPoisoned(message.MessageId, message.DequeueCount, PoisonQueue.Name);
        await PoisonQueue.SendMessageAsync(message.Body.ToString(), cancellationToken: cancellationToken);
        await jobQueue.Client.DeleteMessageAsync(message.MessageId, popReceipt, cancellationToken);
    }

    [LoggerMessage(LogLevel.Warning, "Looking for stranded jobs failed; trying again at the next sweep")]
    private partial void LogSweepFailed(Exception exception);

    [LoggerMessage(LogLevel.Error, "Delivery of message {MessageId} failed (delivery {DequeueCount}); it will be retried")]
    private partial void LogDeliveryFailed(Exception exception, string messageId, long dequeueCount);

    [LoggerMessage(LogLevel.Error, "Message {MessageId} failed {DequeueCount} deliveries; moved to {PoisonQueue}")]
    private partial void LogPoisoned(string messageId, long dequeueCount, string poisonQueue);
}
