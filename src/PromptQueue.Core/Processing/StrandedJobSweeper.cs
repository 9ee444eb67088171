using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PromptQueue.Contracts;
using PromptQueue.Core.Storage;

namespace PromptQueue.Core.Processing;

/// <summary>
/// Finds Running jobs whose claim lapsed long ago and sends each a fresh message, so a job is never stranded; and
/// finished jobs whose observers never all heard of it, and publishes them again.
/// </summary>
/// <remarks>
/// A worker that dies mid-job leaves its job Running. Normally the job's own message comes back when its hidden time
/// runs out and the next worker takes the job over. If that message is gone as well (deleted by a host that
/// crashed after the delete, or removed by hand), nothing would ever look at the job again; this sweep does. An
/// extra message is harmless: the processor claims each job once.
/// </remarks>
public sealed partial class StrandedJobSweeper(
    TableServiceClient tables,
    JobQueueClient queue,
    JobTerminalNotices notices,
    IOptions<PromptQueueOptions> options,
    TimeProvider time,
    ILogger<StrandedJobSweeper> logger)
{
    /// <summary>
    /// How long past its claim a Running job must be before it counts as stranded. Its own message normally returns
    /// within seconds of the claim lapsing; this leaves that message time to come first.
    /// </summary>
    public static readonly TimeSpan Margin = TimeSpan.FromMinutes(5);

    private readonly TableClient _jobs = tables.GetTableClient(options.Value.JobTable);

    /// <summary>Re-enqueues every stranded job; returns how many it found.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var lapsedBefore = time.GetUtcNow() - Margin;
        var running = nameof(JobStatus.Running);
        var filter = TableClient.CreateQueryFilter(
            $"RowKey eq {JobRecord.RowKeyValue} and Status eq {running} and ClaimedUntil lt {lapsedBefore}");
        var found = 0;
        await foreach (var job in _jobs.QueryAsync<TableEntity>(filter, select: ["PartitionKey"], cancellationToken: cancellationToken))
        {
            await queue.SendAsync(job.PartitionKey, TimeSpan.Zero, cancellationToken);
            LogRecovered(job.PartitionKey);
            found++;
        }

        return found + await RepublishAsync(cancellationToken);
    }

    /// <summary>
    /// Publishes again every finished job whose observers (completion notices, batch progress, daily usage) did not all
    /// hear of it: the host stopped, or storage failed, between the terminal write and the last observer. Without
    /// this a batch would wait for such an item forever, and its notice would never be sent.
    /// </summary>
    private async Task<int> RepublishAsync(CancellationToken cancellationToken)
    {
        var pendingBefore = time.GetUtcNow() - Margin;
        var filter = TableClient.CreateQueryFilter($"RowKey eq {JobRecord.RowKeyValue} and NoticesPendingSince lt {pendingBefore}");
        var found = 0;
        await foreach (var record in _jobs.QueryAsync<JobRecord>(filter, cancellationToken: cancellationToken))
        {
            if (record.Status.IsTerminal())
            {
                LogRepublishing(record.JobId, record.Status);
                await notices.PublishAsync(record);
                found++;
            }
        }

        return found;
    }

    [LoggerMessage(LogLevel.Warning, "Job {JobId} was Running with a claim that lapsed long ago and no worker took it over; it is queued again")]
    private partial void LogRecovered(string jobId);

    [LoggerMessage(LogLevel.Warning, "Job {JobId} is {Status}, but not every observer heard of it; it is published again")]
    private partial void LogRepublishing(string jobId, JobStatus status);
}
