using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PromptQueue.Core;
using PromptQueue.Core.Budget;
using PromptQueue.Core.OpenRouter;
using PromptQueue.Core.Processing;
using PromptQueue.Core.Storage;

namespace PromptQueue.Hosting.Worker;

/// <summary>
/// The standalone host's stand-in for the Functions queue triggers (<c>ProcessJob</c> and <c>DeadLetterJob</c>): the
/// same peek-lock, retry and poison semantics, handing each message to the same <see cref="JobProcessor"/>.
/// </summary>
public sealed partial class JobQueueListener(
    QueueServiceClient queues,
    JobQueueClient jobQueue,
    JobProcessor processor,
    RequestBudget budget,
    IOptions<OpenRouterOptions> openRouter,
    IOptions<QueueListenerOptions> listenerOptions,
    IOptions<PromptQueueOptions> options,
    TimeProvider time,
    ILogger<JobQueueListener> logger) : BackgroundService
{
    private readonly QueuePoller _poller = new(time, logger);

    private readonly QueueListenerOptions _listener = listenerOptions.Value;

    private readonly CancellationTokenSource _stopNow = new();

    private int _jobsInHand;

    /// <summary>Job messages being handled right now: what a stop waits for.</summary>
    public int JobsInHand => Volatile.Read(ref _jobsInHand);

    /// <summary>The queue a message goes to after too many failed deliveries (named as the Functions host names it).</summary>
    public QueueClient PoisonQueue { get; } = queues.GetQueueClient(options.Value.JobQueue + "-poison");

    /// <summary>
    /// Stops taking messages and waits for the jobs in hand. <paramref name="cancellationToken"/> carries the host's
    /// shutdown timeout (<see cref="HostOptions.ShutdownTimeout"/>): when it fires, the jobs still in hand are cancelled
    /// and released, and the stop waits for that, so that another host takes them over at once instead of after their
    /// claims lapse.
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        using var graceOver = cancellationToken.Register(StopNow);
        await base.StopAsync(CancellationToken.None);
    }

    /// <summary>
    /// Ends the shutdown grace now: the jobs in hand are cancelled and handed back to the queue at once (a second
    /// Ctrl+C). Only meaningful once the listener is stopping; before that it also ends the jobs in hand.
    /// </summary>
    public void StopNow() => _stopNow.Cancel();

    public override void Dispose()
    {
        base.Dispose();
        _stopNow.Dispose();
    }

    /// <summary>Polls the job queue and the poison queue until the host stops.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await PoisonQueue.CreateIfNotExistsAsync(cancellationToken: stoppingToken);

        // The claim on a running job outlasts any model call, so a message stays hidden while its job runs.
        await Task.WhenAll(
            _poller.PollAsync(Polling(jobQueue.Client, _listener.Concurrency) with { Advice = JobAdvice() }, HandleJobMessageAsync, stoppingToken, _stopNow.Token),
            _poller.PollAsync(Polling(PoisonQueue, 1), HandlePoisonMessageAsync, stoppingToken, _stopNow.Token));
    }

    /// <summary>
    /// The budget's word on taking more jobs: while no request could start within the longest inline wait, a backlog
    /// stays on the queue instead of going through receive, claim, defer and re-send. Only when the default model is
    /// metered: a worker of paid models has no free-tier window to wait for.
    /// </summary>
    private Func<CancellationToken, Task<(DateTimeOffset? HoldUntil, DateTimeOffset? WakeAt)>>? JobAdvice() =>
        budget.Meters(openRouter.Value.DefaultModel) ? budget.ReceiveAdviceAsync : null;

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

    [LoggerMessage(LogLevel.Error, "Delivery of message {MessageId} failed (delivery {DequeueCount}); it will be retried")]
    private partial void LogDeliveryFailed(Exception exception, string messageId, long dequeueCount);

    [LoggerMessage(LogLevel.Error, "Message {MessageId} failed {DequeueCount} deliveries; moved to {PoisonQueue}")]
    private partial void LogPoisoned(string messageId, long dequeueCount, string poisonQueue);
}
