using PromptQueue.Contracts;
using PromptQueue.Core.Processing;
using PromptQueue.Core.Storage;

namespace PromptQueue.Core.Batches;

/// <summary>Counts each batch job's terminal status on its item and its batch header, once.</summary>
/// <remarks>
/// The item row remembers the status counted for it; the item and the header are written in one conditional
/// transaction. The same notice twice finds the status already counted and changes nothing; a new terminal status
/// after a retry moves the item from one count to the other; a stale notice of a job that runs again counts nothing.
/// </remarks>
public sealed class BatchProgress(BatchStore store, JobStore jobs, TimeProvider time) : IJobTerminalObserver
{
    private const int MaxConflicts = 20;

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

        record = current;

        for (var conflicts = 0; conflicts < MaxConflicts; conflicts++)
        {
            var item = await store.FindItemAsync(batchId, index, cancellationToken);
            var header = await store.FindHeaderAsync(batchId, cancellationToken);
            if (item is null || header is null || item.JobId != record.JobId || item.CountedStatus == record.Status)
            {
                return;
            }

            if (item.CountedStatus is { } counted)
            {
                header.Count(counted, -1);
            }

            header.Count(record.Status, +1);
            if (record.Status == Contracts.JobStatus.Completed)
            {
                header.PromptTokens += record.PromptTokens ?? 0;
                header.CompletionTokens += record.CompletionTokens ?? 0;
                header.TotalTokens += record.TotalTokens ?? 0;
                header.Cost += record.Cost ?? 0;
            }

            header.CompleteIfSettled(time.GetUtcNow());
            if (await store.TryUpdateItemAndHeaderAsync(item with { CountedStatus = record.Status }, header, cancellationToken))
            {
                return;
            }
        }

        // Thrown, not logged: the job stays marked as not yet published, and the sweep counts it later.
        throw new InvalidOperationException($"Batch {batchId}: could not count job {record.JobId}; its header kept changing.");
    }
}
