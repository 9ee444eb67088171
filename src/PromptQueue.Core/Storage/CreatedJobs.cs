using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;

namespace PromptQueue.Core.Storage;

/// <summary>
/// The index of jobs by day of creation (see <see cref="DayIndex"/>) in the job table: one row per job with what a
/// listing shows of it, so a listing reads the index alone, never a job row.
/// </summary>
/// <remarks>
/// <see cref="JobStore"/> writes a new job's row before the job row, so every job has one and retention, which walks
/// this index, finds every job; and after each write of the job row that changes its status, so the index never shows a
/// status the job never had. A crash right after such a write leaves the row one status behind until the next change
/// of status. Jobs stored before this index existed get their row at their next write.
/// </remarks>
public sealed class CreatedJobs(TableServiceClient tables, IOptions<PromptQueueOptions> options, TimeProvider time)
{
    private const string StatusProperty = "Status";
    private const string NameProperty = "Name";
    private const string SourceProperty = "Source";
    private const string BatchIdProperty = "BatchId";
    private const string ModelProperty = "Model";
    private const string CreatedAtProperty = "CreatedAt";
    private const string CompletedAtProperty = "CompletedAt";

    public DayIndex Index { get; } = new(tables.GetTableClient(options.Value.JobTable));

    /// <summary>Gives a job its creation time once: the index key derives from it, so it never changes after.</summary>
    public void StampCreated(JobRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);

        // Milliseconds, the index key's precision, so the key read back from the stored time is the key written.
        record.CreatedAt ??= DateTimeOffset.FromUnixTimeMilliseconds((record.QueuedAt ?? time.GetUtcNow()).ToUnixTimeMilliseconds());
    }

    /// <summary>Writes the job's index row as the record now stands.</summary>
    public Task WriteAsync(JobRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        StampCreated(record);
        var properties = new Dictionary<string, object?>
        {
            [StatusProperty] = record.Status.ToString(),
            [NameProperty] = record.Name,
            [SourceProperty] = record.Source,
            [BatchIdProperty] = record.BatchId,
            [ModelProperty] = record.RequestedModel,
            [CreatedAtProperty] = record.CreatedAt,
            [CompletedAtProperty] = record.CompletedAt,
        };
        return Index.UpsertAsync(record.CreatedAt!.Value, record.JobId, properties, cancellationToken);
    }

    /// <summary>Removes the job's index row, if it has one.</summary>
    public Task RemoveAsync(JobRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.CreatedAt is { } created ? Index.RemoveAsync(created, record.JobId, cancellationToken) : Task.CompletedTask;
    }

    /// <summary>True when <paramref name="rowKey"/> in <paramref name="partition"/> is this job's own index row.</summary>
    public static bool IsRowOf(JobRecord record, string partition, string rowKey)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.CreatedAt is { } created && DayIndex.PartitionOf(created) == partition && DayIndex.RowKeyOf(created, record.JobId) == rowKey;
    }

    /// <summary>An OData filter on index rows: any of <paramref name="statuses"/> (all when empty), of one batch if given.</summary>
    public static string? Filter(IReadOnlyCollection<JobStatus> statuses, string? batchId, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(statuses);
        var parts = new List<string>();
        if (statuses.Count > 0)
        {
            parts.Add("(" + string.Join(" or ", statuses.Select(s => TableClient.CreateQueryFilter($"Status eq {s.ToString()}"))) + ")");
        }

        if (batchId is not null)
        {
            parts.Add(TableClient.CreateQueryFilter($"BatchId eq {batchId}"));
        }

        if (name is not null)
        {
            parts.Add(TableClient.CreateQueryFilter($"Name eq {name}"));
        }

        return parts.Count == 0 ? null : string.Join(" and ", parts);
    }

    public static JobListItem ToListItem(TableEntity row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new JobListItem
        {
            Id = DayIndex.IdOf(row.RowKey),
            Status = Enum.Parse<JobStatus>(row.GetString(StatusProperty)!),
            Name = row.GetString(NameProperty),
            Source = row.GetString(SourceProperty),
            BatchId = row.GetString(BatchIdProperty),
            Model = row.GetString(ModelProperty),
            CreatedAt = row.GetDateTimeOffset(CreatedAtProperty) ?? default,
            CompletedAt = row.GetDateTimeOffset(CompletedAtProperty),
        };
    }

    /// <summary>Index rows of the days before <paramref name="day"/>, oldest first, for retention.</summary>
    public IAsyncEnumerable<TableEntity> ReadBeforeAsync(DateOnly day, CancellationToken cancellationToken) => Index.ReadBeforeAsync(day, cancellationToken);
}
