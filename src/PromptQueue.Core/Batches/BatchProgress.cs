using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;
using PromptQueue.Core.Processing;
using PromptQueue.Core.Storage;

namespace PromptQueue.Core.Batches;

/// <summary>Counts each batch job's terminal status on its item and its batch header, once.</summary>
/// <remarks>
/// The item row remembers the status counted for it; the item and the header are written in one conditional
/// transaction. The same notice twice finds the status already counted and changes nothing; a new terminal status
/// after a retry moves the item from one count to the other; a stale notice of a job that runs again counts nothing.
/// </remarks>
public sealed class BatchProgress(BatchStore store, JobStore jobs, TimeProvider time) : IJobTerminalObserver, IJobRetryObserver
{
    private const int MaxTries = 20;

    /// <summary>The statuses a retry runs again (those <see cref="JobTransitions"/> lets go back to Queued), and whose count it takes an item out of.</summary>
    internal static readonly JobStatus[] Retryable = [.. Enum.GetValues<JobStatus>().Where(status => JobTransitions.IsAllowed(status, JobStatus.Queued))];

    public async Task OnTerminalAsync(JobRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.BatchId is not { } batchId || record.BatchItemIndex is not { } index)
        {
            return;
        }

        // Count the job as it is now, not as the notice says: a notice published again late (by the sweep) may
        // describe an end the job has since left behind (it was retried, and perhaps finished differently).
        if (await jobs.FindAsync(record.JobId, cancellationToken) is not { } current || !current.Status.IsTerminal())
        {
            return;
        }

        await OptimisticConcurrency.UpdateAsync(
            async ct =>
            {
                var item = await store.FindItemAsync(batchId, index, ct);
                var header = await store.FindHeaderAsync(batchId, ct);
                if (item is null || header is null || item.JobId != current.JobId || item.CountedStatus == current.Status)
                {
                    return ConcurrencyStep.Done<bool>(false);
                }

                if (item.CountedStatus is { } counted)
                {
                    header.Count(counted, -1);
                }

                header.Count(current.Status, +1);
                if (current.Status == JobStatus.Completed)
                {
                    header.PromptTokens += current.PromptTokens ?? 0;
                    header.CompletionTokens += current.CompletionTokens ?? 0;
                    header.TotalTokens += current.TotalTokens ?? 0;
                    header.Cost += current.Cost ?? 0;
                }

                header.CompleteIfSettled(time.GetUtcNow());
                return await store.TryUpdateItemAndHeaderAsync(item with { CountedStatus = current.Status }, header, ct)
                    ? ConcurrencyStep.Done<bool>(true)
                    : ConcurrencyStep.Conflict<bool>();
            },
            MaxTries,
            // Thrown, not logged: the job stays marked as not yet published, and the sweep counts it later.
            () => throw new InvalidOperationException($"Batch {batchId}: could not count job {current.JobId}; its header kept changing."),
            cancellationToken);
    }

    /// <summary>
    /// Takes a retried job's item out of its Failed or DeadLettered count, reopening a batch that had completed, so the
    /// batch waits for the job again. A job that finished again before its old count was removed found nothing to
    /// change when it was told; it is counted now.
    /// </summary>
    public async Task OnRetriedAsync(JobRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.BatchId is not { } batchId || record.BatchItemIndex is not { } index)
        {
            return;
        }

        var uncounted = await OptimisticConcurrency.UpdateAsync(
            async ct =>
            {
                var item = await store.FindItemAsync(batchId, index, ct);
                var header = await store.FindHeaderAsync(batchId, ct);
                if (item is null || header is null || item.JobId != record.JobId || item.CountedStatus is not { } counted || !Retryable.Contains(counted))
                {
                    return ConcurrencyStep.Done<bool>(false);
                }

                header.Count(counted, -1);
                if (header.Status == BatchStatus.Completed)
                {
                    header.Status = BatchStatus.Running;
                    header.CompletedAt = null;
                }
                else if (header.Status == BatchStatus.Cancelled)
                {
                    header.CompletedAt = null;
                }

                return await store.TryUpdateItemAndHeaderAsync(item with { CountedStatus = null }, header, ct)
                    ? ConcurrencyStep.Done<bool>(true)
                    : ConcurrencyStep.Conflict<bool>();
            },
            MaxTries,
            () => false,
            cancellationToken);
        if (!uncounted)
        {
            return;
        }

        var now = await jobs.FindAsync(record.JobId, cancellationToken);
        if (now is not null && now.Status.IsTerminal())
        {
            await OnTerminalAsync(now, cancellationToken);
        }
    }
}
