using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PromptQueue.Contracts;
using PromptQueue.Core.Storage;

namespace PromptQueue.Core.Processing;

/// <summary>
/// Finds unfinished jobs that no message will bring back, and sends each a fresh one; and finished jobs whose
/// observers never all heard of it, and publishes them again. It reads only the index of unfinished jobs, so its cost
/// follows the jobs in flight, not every job ever stored.
/// </summary>
/// <remarks>
/// A job can be stranded three ways: stored as Queued by a caller that stopped before sending its message (an HTTP
/// submit, a batch release, a retry); left Running by a worker that died after its message was deleted (by a host
/// that crashed after the delete, or by hand); or left Waiting with its delayed message gone. An extra message is
/// harmless: the processor claims each job once.
/// </remarks>
public sealed partial class StrandedJobSweeper(
    JobStore store,
    TableServiceClient tables,
    JobQueueClient queue,
    JobTerminalNotices notices,
    IOptions<PromptQueueOptions> options,
    TimeProvider time,
    ILogger<StrandedJobSweeper> logger)
{
    /// <summary>Re-enqueues every stranded job and publishes every job its observers missed; returns how many it found.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        await BackfillOnceAsync(cancellationToken);
        var overdue = time.GetUtcNow() - options.Value.StrandedAfter;
        var found = 0;
        await foreach (var entry in store.Unfinished.ListAsync(messageBody: null, cancellationToken))
        {
            var record = await store.FindAsync(entry.JobId, cancellationToken);
            switch (record)
            {
                case null when entry.Since < overdue:
                    // The caller stopped between the index row and the job row: there is no job.
                    await store.Unfinished.RemoveAsync(entry.JobId, cancellationToken);
                    break;
                case null:
                    break;
                case { Status: JobStatus.Queued } when entry.AwaitsMessage && entry.Since < overdue:
                    await queue.EnqueueAsync(record.JobId, cancellationToken);
                    LogRecovered(record.JobId, record.Status, "its message was never sent");
                    found++;
                    break;
                case { Status: JobStatus.Running } when record.ClaimedUntil < overdue:
                    await queue.SendAsync(record.JobId, TimeSpan.Zero, cancellationToken);
                    LogRecovered(record.JobId, record.Status, "its claim lapsed long ago and no worker took it over");
                    found++;
                    break;
                case { Status: JobStatus.Waiting } when record.NextAttemptAt < overdue:
                    await queue.SendAsync(record.JobId, TimeSpan.Zero, cancellationToken);
                    LogRecovered(record.JobId, record.Status, "it was due long ago and its message never came");
                    found++;
                    break;
                case { NoticesPendingSince: { } pending } when record.Status.IsTerminal() && pending < overdue:
                    LogRepublishing(record.JobId, record.Status);
                    await notices.PublishAsync(record);
                    found++;
                    break;
                case { NoticesPendingSince: null } when record.Status.IsTerminal():
                    // Finished, but the row outlived it (a fault right after the final write).
                    await store.Unfinished.RemoveAsync(record.JobId, cancellationToken);
                    break;
            }
        }

        return found;
    }

    /// <summary>
    /// Jobs stored before the index existed have no rows in it: the first sweep of a table reads it once to add them.
    /// </summary>
    private async Task BackfillOnceAsync(CancellationToken cancellationToken)
    {
        if (await store.Unfinished.IsBackfilledAsync(cancellationToken))
        {
            return;
        }

        var jobs = tables.GetTableClient(options.Value.JobTable);
        var filter = TableClient.CreateQueryFilter($"RowKey eq {JobRecord.RowKeyValue}");
        var added = 0;
        await foreach (var record in jobs.QueryAsync<JobRecord>(filter, cancellationToken: cancellationToken))
        {
            if (!JobStore.IsFinished(record))
            {
                await store.Unfinished.AddAsync(record.JobId, awaitsMessage: record.Status == JobStatus.Queued, messageBody: null, cancellationToken);
                added++;
            }
        }

        await store.Unfinished.MarkBackfilledAsync(cancellationToken);
        LogBackfilled(added);
    }

    [LoggerMessage(LogLevel.Warning, "Job {JobId} was {Status} and {Why}; it is queued again")]
    private partial void LogRecovered(string jobId, JobStatus status, string why);

    [LoggerMessage(LogLevel.Warning, "Job {JobId} is {Status}, but not every observer heard of it; it is published again")]
    private partial void LogRepublishing(string jobId, JobStatus status);

    [LoggerMessage(LogLevel.Information, "The index of unfinished jobs was built from the job table once: {Added} job(s)")]
    private partial void LogBackfilled(int added);
}
