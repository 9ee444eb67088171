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

    public JobQueueClient(QueueServiceClient queues, UnfinishedJobs unfinished, IOptions<PromptQueueOptions> options)
    {
        ArgumentNullException.ThrowIfNull(queues);
        ArgumentNullException.ThrowIfNull(options);
        Client = queues.GetQueueClient(options.Value.JobQueue);
        _unfinished = unfinished;
    }

    /// <summary>The underlying queue, for hosts that receive from it.</summary>
    public QueueClient Client { get; }

    public Task EnsureCreatedAsync(CancellationToken cancellationToken) => Client.CreateIfNotExistsAsync(cancellationToken: cancellationToken);

    /// <summary>
    /// Sends the message a job stored as Queued awaits, and says so in the index of unfinished jobs; should this never
    /// happen (a crash after the job was stored), the recovery sweep sends it.
    /// </summary>
    public async Task EnqueueAsync(string jobId, CancellationToken cancellationToken)
    {
        await SendAsync(jobId, TimeSpan.Zero, cancellationToken);
        await _unfinished.MessageSentAsync(jobId, cancellationToken);
    }

    /// <summary>Enqueues a reference to a stored job, visible after <paramref name="delay"/> (capped at seven days).</summary>
    public async Task SendAsync(string jobId, TimeSpan delay, CancellationToken cancellationToken)
    {
        // The service counts whole seconds and the SDK truncates: round up, or a message due in 0.6 s comes back at once
        // and one due in 5.9 s a second early, and the job is only deferred again.
        var visibility = delay <= TimeSpan.Zero ? (TimeSpan?)null : delay > MaxDelay ? MaxDelay : TimeSpan.FromSeconds(Math.Ceiling(delay.TotalSeconds));
        // A message must outlive its visibility delay, and a waiting job must never expire from the queue.
        await Client.SendMessageAsync(JobQueueMessage.CreateReference(jobId), visibility, TimeSpan.FromSeconds(-1), cancellationToken);
    }
}
