using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PromptQueue.Core.Batches;
using PromptQueue.Core.Storage;
using PromptQueue.Core.Submission;
using PromptQueue.Core.Usage;

namespace PromptQueue.Core.Retention;

/// <summary>What one retention pass removed.</summary>
public sealed record RetentionResult(int Jobs, int Batches);

/// <summary>
/// Removes finished jobs and batches older than <see cref="RetentionOptions.Days"/>, with every row they own, walking
/// only the day partitions of the indexes by creation that are older than that: never the rest of either table.
/// Unfinished jobs, and batches with an unfinished job, stay whatever their age.
/// </summary>
/// <remarks>
/// A job goes when it was created and finished before the cutoff. Its idempotency key and usage marker go first, then
/// the job row, conditionally, so a job retried meanwhile stays; then its remaining rows (text chunks of every write);
/// its index rows last, so a pass that stops anywhere leaves a row that the next pass finds and finishes from. A
/// batch's jobs go with the batch, once it settled before the cutoff, so its results export whole while it is kept:
/// its jobs first, then the header, then items, claims and its listing as active, and its index row last. A day's
/// usage total stays; only the markers that counted each job go.
/// </remarks>
public sealed partial class RetentionSweep(
    JobStore jobs,
    BatchStore batches,
    IdempotencyKeys idempotencyKeys,
    DailyUsage usage,
    IOptions<RetentionOptions> options,
    TimeProvider time,
    ILogger<RetentionSweep> logger)
{
    /// <summary>
    /// How often a pass runs, in both hosts. Fixed, as the stranded-job sweep's cadence is: it only bounds how long
    /// past its day an old job lingers, and an app setting for it would stop the Functions app from starting when
    /// missing, for a feature that is off by default.
    /// </summary>
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    public async Task<RetentionResult> RemoveExpiredAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Days is not (> 0 and var days))
        {
            return new RetentionResult(0, 0);
        }

        var cutoff = time.GetUtcNow().AddDays(-days);
        var cutoffDay = DayIndex.DayOf(cutoff);
        var removedJobs = 0;
        await foreach (var row in jobs.Created.ReadBeforeAsync(cutoffDay, cancellationToken))
        {
            removedJobs += await RemoveJobAsync(row, cutoff, cancellationToken) ? 1 : 0;
        }

        var removedBatches = 0;
        await foreach (var row in batches.Index.ReadBeforeAsync(cutoffDay, cancellationToken))
        {
            var (removed, itsJobs) = await RemoveBatchAsync(row, cutoff, cancellationToken);
            (removedBatches, removedJobs) = (removedBatches + (removed ? 1 : 0), removedJobs + itsJobs);
        }

        if (removedJobs + removedBatches > 0)
        {
            LogRemoved(removedJobs, removedBatches, days);
        }

        return new RetentionResult(removedJobs, removedBatches);
    }

    private static bool IsExpired(JobRecord record, DateTimeOffset cutoff) =>
        JobStore.IsFinished(record) && record.CompletedAt is { } finished && finished < cutoff;

    private async Task<bool> RemoveJobAsync(TableEntity row, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var jobId = DayIndex.IdOf(row.RowKey);
        var record = await jobs.FindAsync(jobId, cancellationToken);
        if (record is null)
        {
            // Gone in a pass that stopped, or never written: what is left in its partition goes too.
            await RemoveRowsAfterJobRowAsync(jobId, cancellationToken);
            await jobs.Created.Index.RemoveAsync(row.PartitionKey, row.RowKey, cancellationToken);
            return false;
        }

        if (!CreatedJobs.IsRowOf(record, row.PartitionKey, row.RowKey))
        {
            // A row written for a creation the id's holder refused, left by a crash before it was removed.
            await jobs.Created.Index.RemoveAsync(row.PartitionKey, row.RowKey, cancellationToken);
            return false;
        }

        // A batch's job goes with its batch, so that the batch's results export whole for as long as the batch is kept.
        return record.BatchId is null && IsExpired(record, cutoff) && await RemoveJobAsync(record, cancellationToken);
    }

    /// <summary>Removes a finished job with every row it owns; false, and the job stays, when it changed since it was read.</summary>
    private async Task<bool> RemoveJobAsync(JobRecord record, CancellationToken cancellationToken)
    {
        if (record.IdempotencyKeyPartition is { } keyPartition)
        {
            await idempotencyKeys.RemoveAsync(keyPartition, cancellationToken);
        }

        await usage.ForgetAsync(record, cancellationToken);
        if (!await jobs.TryDeleteAsync(record, cancellationToken))
        {
            return false;
        }

        await RemoveRowsAfterJobRowAsync(record.JobId, cancellationToken);
        await jobs.Created.RemoveAsync(record, cancellationToken);
        return true;
    }

    private async Task RemoveRowsAfterJobRowAsync(string jobId, CancellationToken cancellationToken)
    {
        await jobs.DeletePartitionAsync(jobId, cancellationToken);
        await jobs.Unfinished.RemoveAsync(jobId, cancellationToken);
    }

    /// <summary>Removes a batch settled before the cutoff, its jobs first: a pass that stops midway leaves the header, which the next pass finds.</summary>
    private async Task<(bool Removed, int Jobs)> RemoveBatchAsync(TableEntity row, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var batchId = DayIndex.IdOf(row.RowKey);
        var header = await batches.FindHeaderAsync(batchId, cancellationToken);
        var removedJobs = 0;
        if (header is not null)
        {
            // CompletedAt is set once every item is settled, for a completed batch and for a cancelled one alike.
            if (header.CompletedAt is not { } settled || settled >= cutoff)
            {
                return (false, 0);
            }

            await foreach (var item in batches.ReadItemsAsync(batchId, 0, header.Items, withJob: false, cancellationToken))
            {
                // No job: the item was never released, or its job went in a pass that stopped.
                if (await jobs.FindAsync(item.JobId, cancellationToken) is not { } record)
                {
                    continue;
                }

                // A job retried since the batch settled keeps the batch until it is old and finished too.
                if (!IsExpired(record, cutoff) || !await RemoveJobAsync(record, cancellationToken))
                {
                    return (false, removedJobs);
                }

                removedJobs++;
            }

            if (!await batches.TryDeleteHeaderAsync(header, cancellationToken))
            {
                return (false, removedJobs);
            }
        }

        // Usually delisted long ago, by the dispatcher, once every item was released.
        await batches.RemoveActiveIfListedAsync(batchId, cancellationToken);
        await batches.DeletePartitionAsync(batchId, cancellationToken);
        await batches.Index.RemoveAsync(row.PartitionKey, row.RowKey, cancellationToken);
        return (header is not null, removedJobs);
    }

    [LoggerMessage(LogLevel.Information, "Retention removed {Jobs} job(s) and {Batches} batch(es) finished more than {Days} day(s) ago")]
    private partial void LogRemoved(int jobs, int batches, int days);
}
