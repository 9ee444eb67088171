using PromptQueue.Contracts.Api;
using PromptQueue.Core.Batches;
using PromptQueue.Core.Storage;

namespace PromptQueue.Core.Listing;

/// <summary>
/// Lists jobs from the index of jobs by day of creation alone: a page costs a query per day walked, never a read of
/// a job row or of the rest of the table. Jobs stored before the index existed are listed once they change again.
/// </summary>
public sealed class JobListing(CreatedJobs created, BatchStore batches, TimeProvider time)
{
    /// <summary>One page of jobs, newest first; pass its continuation back in <see cref="JobListQuery.Continuation"/> for the next.</summary>
    public async Task<ListPage<JobListItem>> ListAsync(JobListQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var now = time.GetUtcNow();
        var since = query.Since
            ?? (query.BatchId is { } batchId ? (await batches.FindHeaderAsync(batchId, cancellationToken))?.CreatedAt : null)
            ?? now - ListLimits.DefaultJobWindow;
        var start = query.Continuation ?? new IndexCursor(DayIndex.DayOf(now), null);
        var (rows, next) = await created.Index.PageAsync(
            start, since, CreatedJobs.Filter(query.Statuses, query.BatchId, query.Name), query.Top, ListLimits.MaxDaysPerPage, cancellationToken);
        return new ListPage<JobListItem>(rows.Select(CreatedJobs.ToListItem).ToList(), next?.Encode());
    }
}
