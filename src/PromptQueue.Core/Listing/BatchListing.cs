using PromptQueue.Contracts.Api;
using PromptQueue.Core.Batches;
using PromptQueue.Core.Storage;

namespace PromptQueue.Core.Listing;

/// <summary>
/// Lists batches from the batch table's index by day of creation, reading the header of each batch the index names:
/// never the item rows that make up most of the table.
/// </summary>
public sealed class BatchListing(BatchStore store, BatchControl control, TimeProvider time)
{
    /// <summary>
    /// Headers one request reads at most while a status filter skips batches; a page that reaches it ends early,
    /// with a continuation, as one that reaches <see cref="ListLimits.MaxDaysPerPage"/> does.
    /// </summary>
    public const int MaxHeaderReadsPerPage = 2 * ListLimits.MaxTop;

    /// <summary>One page of batches, newest first; pass its continuation back in <see cref="BatchListQuery.Continuation"/> for the next.</summary>
    public async Task<ListPage<BatchView>> ListAsync(BatchListQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var now = time.GetUtcNow();
        var since = query.Since ?? now - ListLimits.DefaultBatchWindow;
        IndexCursor? cursor = query.Continuation ?? new IndexCursor(DayIndex.DayOf(now), null);
        var firstDay = cursor.Day;
        var listed = new List<BatchHeader>(query.Top);
        for (var read = 0; cursor is not null && listed.Count < query.Top && read < MaxHeaderReadsPerPage;)
        {
            var daysLeft = ListLimits.MaxDaysPerPage - (firstDay.DayNumber - cursor.Day.DayNumber);
            if (daysLeft <= 0)
            {
                break;
            }

            var (rows, next) = await store.Index.PageAsync(cursor, since, filter: null, query.Top, daysLeft, cancellationToken);
            var headers = await Task.WhenAll(rows.Select(row => store.FindHeaderAsync(DayIndex.IdOf(row.RowKey), cancellationToken)));
            read += rows.Count;
            cursor = next;
            for (var i = 0; i < rows.Count; i++)
            {
                // A row without a header is a submission that stopped between the two writes: there is no batch.
                if (headers[i] is { } header && (query.Statuses.Count == 0 || query.Statuses.Contains(header.Status)))
                {
                    listed.Add(header);
                    if (listed.Count == query.Top)
                    {
                        cursor = i == rows.Count - 1 ? next : DayIndex.After(rows[i]);
                        break;
                    }
                }
            }
        }

        return new ListPage<BatchView>(await control.ViewsAsync(listed, cancellationToken), cursor?.Encode());
    }
}
