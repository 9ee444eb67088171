using PromptQueue.Contracts;
using PromptQueue.Core.Storage;

namespace PromptQueue.Core.Processing;

/// <summary>What became of a request to cancel or retry a job.</summary>
public enum JobChangeOutcome
{
    /// <summary>The change is stored, and what follows from it (a message, notices) is done.</summary>
    Changed,

    NotFound,

    /// <summary>The job is in a state the change does not apply to; <see cref="JobChange.Refusal"/> says why.</summary>
    Refused,

    /// <summary>Workers kept changing the job while the change was tried; reading it and trying again may work.</summary>
    KeptChanging,
}

/// <summary>The result of <see cref="JobControl.CancelAsync"/> or <see cref="JobControl.RetryAsync"/>.</summary>
/// <param name="Outcome">What happened.</param>
/// <param name="Record">The job as stored afterwards, when it exists.</param>
/// <param name="Refusal">Why the change does not apply, in words for the caller.</param>
public sealed record JobChange(JobChangeOutcome Outcome, JobRecord? Record = null, string? Refusal = null);

/// <summary>Something that must follow a job's retry: a batch takes the job's item out of its failed count.</summary>
public interface IJobRetryObserver
{
    /// <summary>The job as stored, Queued again with its message sent.</summary>
    Task OnRetriedAsync(JobRecord record, CancellationToken cancellationToken);
}

/// <summary>
/// Cancels and retries jobs: the one path for every caller (the HTTP API, the CLI, a batch's retry-failed), so a batch
/// item retried on its own is accounted for exactly as one retried with its batch.
/// </summary>
public sealed class JobControl(
    JobStore store, JobQueueClient queue, JobLifecycle records, JobTerminalNotices notices, IEnumerable<IJobRetryObserver> retryObservers)
{
    /// <summary>A change that lost a race with a worker is read and tried again this many times in all.</summary>
    private const int MaxTries = 3;

    private readonly IJobRetryObserver[] _retryObservers = [.. retryObservers];

    /// <summary>A Queued or Waiting job becomes Cancelled and never runs.</summary>
    public Task<JobChange> CancelAsync(string jobId, CancellationToken cancellationToken) => ChangeAsync(
        jobId,
        record => record.Status is JobStatus.Queued or JobStatus.Waiting
            ? null
            : $"job {jobId} is {record.Status}; only Queued or Waiting jobs can be cancelled",
        records.MarkCancelled,
        record => notices.PublishAsync(record),
        cancellationToken);

    /// <summary>
    /// A Failed or DeadLettered job is queued again with fresh attempts. A job that is already Queued gets its message
    /// again: a caller whose retry answer was lost (a timeout, a dropped connection after the write) repeats the call,
    /// and the job can never be left Queued with no message. An extra message is harmless, because the worker claims
    /// each job once, and so is telling the observers again: they change only what a retry has not changed yet.
    /// </summary>
    /// <remarks>
    /// The job is requeued first and the observers told second. A stop in between leaves a job that runs and, when it
    /// finishes, moves its batch item from the failed count to its new one; the other order could leave an uncounted
    /// item whose job nobody runs, which the batch would wait for forever.
    /// </remarks>
    public Task<JobChange> RetryAsync(string jobId, CancellationToken cancellationToken) => ChangeAsync(
        jobId,
        record => record switch
        {
            { Status: JobStatus.Rejected } => $"job {jobId} is Rejected: its payload is not a valid job, so running it again would fail the same way; fix the payload and submit it as a new job",
            { Status: JobStatus.Failed or JobStatus.DeadLettered, RequestChunks: 0 } => $"job {jobId} is {record.Status} and has no stored request to run again (its raw message is kept); submit the job again",
            { Status: JobStatus.Failed or JobStatus.DeadLettered or JobStatus.Queued } => null,
            _ => $"job {jobId} is {record.Status}; only Failed or DeadLettered jobs can be retried",
        },
        record =>
        {
            if (record.Status != JobStatus.Queued)
            {
                records.MarkRetried(record);
            }
        },
        async record =>
        {
            await queue.EnqueueAsync(record.JobId, CancellationToken.None);
            foreach (var observer in _retryObservers)
            {
                await observer.OnRetriedAsync(record, CancellationToken.None);
            }
        },
        cancellationToken);

    /// <summary>Applies one status change with a conditional write, reading the job again if a worker changed it meanwhile.</summary>
    private Task<JobChange> ChangeAsync(
        string jobId, Func<JobRecord, string?> refusal, Action<JobRecord> change, Func<JobRecord, Task> after, CancellationToken cancellationToken) =>
        OptimisticConcurrency.UpdateAsync(
            async ct =>
            {
                var record = await store.FindAsync(jobId, ct);
                if (record is null)
                {
                    return ConcurrencyStep.Done<JobChange>(new JobChange(JobChangeOutcome.NotFound));
                }

                if (refusal(record) is { } reason)
                {
                    return ConcurrencyStep.Done<JobChange>(new JobChange(JobChangeOutcome.Refused, record, reason));
                }

                change(record);
                if (!await store.TryUpdateAsync(record, ct))
                {
                    return ConcurrencyStep.Conflict<JobChange>();
                }

                // The change is stored: finish what follows from it even if the caller hangs up.
                await after(record);
                return ConcurrencyStep.Done<JobChange>(new JobChange(JobChangeOutcome.Changed, record));
            },
            MaxTries,
            () => new JobChange(JobChangeOutcome.KeptChanging),
            cancellationToken);
}
