using System.Diagnostics;
using Azure.Storage.Queues;
using Microsoft.Extensions.Options;
using PromptQueue.Contracts;

namespace PromptQueue.Core.Storage;

/// <summary>Sends job references to the job queue, now or after a delay.</summary>
public sealed class JobQueueClient
{
    /// <summary>The queue service refuses visibility delays beyond seven days; longer waits are re-deferred on arrival.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromDays(7) - TimeSpan.FromMinutes(1);

    private readonly UnfinishedJobs _unfinished;
    private readonly QueueClient _poison;

    public JobQueueClient(QueueServiceClient queues, UnfinishedJobs unfinished, IOptions<PromptQueueOptions> options)
    {
        ArgumentNullException.ThrowIfNull(queues);
        ArgumentNullException.ThrowIfNull(options);
        Client = queues.GetQueueClient(options.Value.JobQueue);
        _poison = queues.GetQueueClient(options.Value.JobQueue + "-poison");
        _unfinished = unfinished;
    }

    /// <summary>The underlying queue, for hosts that receive from it.</summary>
    public QueueClient Client { get; }

    /// <summary>
    /// Creates the job queue and its poison queue, which the Functions host names <c>{queue}-poison</c> and polls from
    /// the start: a queue that does not exist yet would make every poll a logged 404.
    /// </summary>
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        await Client.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await _poison.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Sends the message a job stored as Queued awaits, and says so in the index of unfinished jobs; should this never
    /// happen (a crash after the job was stored), the recovery sweep sends it.
    /// </summary>
    public async Task EnqueueAsync(string jobId, CancellationToken cancellationToken)
    {
        await SendAsync(jobId, TimeSpan.Zero, cancellationToken);
        await _unfinished.MessageSentAsync(jobId, cancellationToken);
    }

    /// <summary>
    /// Sends the watch of a claim: a reference that becomes visible after <paramref name="delay"/> unless the worker
    /// holding the claim pushes it out (<see cref="PushWatchAsync"/>) or deletes it when done. It is how a job whose
    /// worker vanished comes back soon, whichever host held its own message.
    /// </summary>
    public async Task<QueueWatch> SendWatchAsync(string jobId, string claim, TimeSpan delay, CancellationToken cancellationToken)
    {
        var (traceParent, traceState) = CurrentTrace();
        var receipt = await Client.SendMessageAsync(JobQueueMessage.CreateWatch(jobId, claim, traceParent, traceState), Visibility(delay), TimeSpan.FromSeconds(-1), cancellationToken);
        return new QueueWatch(receipt.Value.MessageId, receipt.Value.PopReceipt);
    }

    /// <summary>Hides a watch for <paramref name="delay"/> more; null when it is gone (it was received early).</summary>
    public async Task<QueueWatch?> PushWatchAsync(QueueWatch watch, TimeSpan delay, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(watch);
        try
        {
            var receipt = await Client.UpdateMessageAsync(watch.MessageId, watch.PopReceipt, visibilityTimeout: Visibility(delay) ?? TimeSpan.Zero, cancellationToken: cancellationToken);
            return watch with { PopReceipt = receipt.Value.PopReceipt };
        }
        catch (Azure.RequestFailedException ex) when (ex.Status is 400 or 404)
        {
            return null;
        }
    }

    /// <summary>Deletes a watch whose claim has ended; one already gone is fine.</summary>
    public async Task DeleteWatchAsync(QueueWatch watch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(watch);
        try
        {
            await Client.DeleteMessageAsync(watch.MessageId, watch.PopReceipt, cancellationToken);
        }
        catch (Azure.RequestFailedException ex) when (ex.Status is 400 or 404)
        {
            // Received already, by a worker that found the claim over and dropped it.
        }
    }

    /// <summary>Enqueues a reference to a stored job, visible after <paramref name="delay"/> (capped at seven days).</summary>
    public async Task SendAsync(string jobId, TimeSpan delay, CancellationToken cancellationToken)
    {
        // A message must outlive its visibility delay, and a waiting job must never expire from the queue.
        var (traceParent, traceState) = CurrentTrace();
        await Client.SendMessageAsync(JobQueueMessage.CreateReference(jobId, traceParent, traceState), Visibility(delay), TimeSpan.FromSeconds(-1), cancellationToken);
    }

    /// <summary>The trace the sending code runs in, carried on the message so that the job's next delivery continues it.</summary>
    private static (string? TraceParent, string? TraceState) CurrentTrace() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? (current.Id, current.TraceStateString) : (null, null);

    /// <summary>
    /// The service counts whole seconds and the SDK truncates: round up, or a message due in 0.6 s comes back at once
    /// and one due in 5.9 s a second early, and the job is only deferred again.
    /// </summary>
    private static TimeSpan? Visibility(TimeSpan delay) =>
        delay <= TimeSpan.Zero ? null : delay > MaxDelay ? MaxDelay : TimeSpan.FromSeconds(Math.Ceiling(delay.TotalSeconds));
}

/// <summary>A claim's watch on the queue, as its sender can change it: the message and its latest pop receipt.</summary>
public sealed record QueueWatch(string MessageId, string PopReceipt);
