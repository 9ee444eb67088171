using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using PromptQueue.Contracts;
using PromptQueue.Core.Storage;

namespace PromptQueue.Core.Batches;

/// <summary>
/// One item of a batch as stored (an item row of the batch table): its job, its pre-assigned job id and the terminal
/// status counted for it. An item as read from a submitted body is a <see cref="BatchBodyItem"/>; the client library's
/// <c>PromptQueue.Client.BatchItem</c> is an item a caller submits.
/// </summary>
/// <param name="Index">Position in the submitted batch, from 0.</param>
/// <param name="JobId">The job id the item runs under, fixed at submission.</param>
/// <param name="CustomId">The caller's name for the item, if any.</param>
/// <param name="JobJson">The v1 job; null when the row was read without it.</param>
/// <param name="CountedStatus">The terminal status the header's counts include for this item, if any.</param>
public sealed record StoredBatchItem(int Index, string JobId, string? CustomId, string? JobJson, JobStatus? CountedStatus)
{
    public ETag ETag { get; init; }
}

/// <summary>A dispatcher's claim on items [Start, End) of a batch, stored until every one of them is released.</summary>
public sealed record BatchClaim(string BatchId, int Start, int End, DateTimeOffset ExpiresAt, ETag ETag);

/// <summary>How many items all dispatchers together may release in the window that began at <paramref name="Start"/>.</summary>
public sealed record ReleaseWindow(DateTimeOffset Start, int Allowance, int Used);

/// <summary>Reads and writes the batch table: headers, items, claims, the active-batch index and schedule markers.</summary>
/// <remarks>
/// A batch's partition (PartitionKey = batch id) holds its header row, one row per item (RowKey = zero-padded index)
/// and its open claims, so the header and the rows it counts change together in entity group transactions. The
/// partition <c>active</c> lists batches that still have items to release, so a dispatcher never scans the table.
/// </remarks>
public sealed class BatchStore
{
    /// <summary>Table transactions carry at most 100 operations and 4 MiB.</summary>
    public const int MaxActionsPerTransaction = 100;

    private const long MaxTransactionChars = 1_400_000;
    /// <summary>The batches that may still have items to release, one row each; see <c>src/PromptQueue.Core/Storage/README.md</c>.</summary>
    private const string ActivePartition = "active";

    /// <summary>One marker row per schedule occurrence; see <c>src/PromptQueue.Core/Storage/README.md</c>.</summary>
    private const string SchedulePartition = "schedules";

    /// <summary>Holds <see cref="WindowRow"/>, the release window every dispatcher shares; see <c>src/PromptQueue.Core/Storage/README.md</c>.</summary>
    private const string DispatchPartition = "dispatch";

    private const string WindowRow = "window";
    private const string JobIdProperty = "JobId";
    private const string CustomIdProperty = "CustomId";
    private const string JobProperty = "Job";
    private const string JobChunksProperty = "JobChunks";
    private const string StatusProperty = "Status";

    public BatchStore(TableServiceClient tables, IOptions<PromptQueueOptions> options)
    {
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentNullException.ThrowIfNull(options);
        Table = tables.GetTableClient(options.Value.BatchTable);
        Index = new DayIndex(Table);
    }

    /// <summary>
    /// The batches by day of creation (partitions <c>~created-yyyyMMdd</c>): listings and retention walk it instead of
    /// the table, whose partitions hold every item of every batch. A row holds only the batch's key; its status is
    /// the header's, read for each batch listed, because the header changes in many places and the row would lag.
    /// </summary>
    public DayIndex Index { get; }

    /// <summary>The batch table, for the usage counter that shares it.</summary>
    internal TableClient Table { get; }

    public Task EnsureCreatedAsync(CancellationToken cancellationToken) => Table.CreateIfNotExistsAsync(cancellationToken);

    /// <summary>
    /// Adds items in transactions of up to 100 rows. A transaction that finds its rows already there (409) was written
    /// before by a writer of the same batch with the same content (job ids are derived, not random): it is skipped.
    /// </summary>
    public async Task AddItemsAsync(string batchId, IReadOnlyList<StoredBatchItem> items, CancellationToken cancellationToken)
    {
        var actions = new List<TableTransactionAction>(MaxActionsPerTransaction);
        long chars = 0;
        foreach (var item in items)
        {
            var entity = ToEntity(batchId, item);
            var size = (item.JobJson?.Length ?? 0) + 512;
            if (actions.Count == MaxActionsPerTransaction || (actions.Count > 0 && chars + size > MaxTransactionChars))
            {
                await SubmitAddsAsync(actions, cancellationToken);
                actions.Clear();
                chars = 0;
            }

            actions.Add(new TableTransactionAction(TableTransactionActionType.Add, entity));
            chars += size;
        }

        if (actions.Count > 0)
        {
            await SubmitAddsAsync(actions, cancellationToken);
        }
    }

    /// <summary>Removes every row of a batch that was refused before its header was written.</summary>
    public async Task DeletePartitionAsync(string batchId, CancellationToken cancellationToken)
    {
        var actions = new List<TableTransactionAction>(MaxActionsPerTransaction);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {batchId}");
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            actions.Add(new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(batchId, row.RowKey), ETag.All));
            if (actions.Count == MaxActionsPerTransaction)
            {
                await Table.SubmitTransactionAsync(actions, cancellationToken);
                actions.Clear();
            }
        }

        if (actions.Count > 0)
        {
            await Table.SubmitTransactionAsync(actions, cancellationToken);
        }
    }

    /// <summary>Creates the header, which makes the batch visible. False when it exists already.</summary>
    public async Task<bool> TryCreateHeaderAsync(BatchHeader header, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(header);
        try
        {
            var response = await Table.AddEntityAsync(header, cancellationToken);
            header.ETag = response.Headers.ETag ?? default;
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    public async Task<BatchHeader?> FindHeaderAsync(string batchId, CancellationToken cancellationToken)
    {
        var response = await Table.GetEntityIfExistsAsync<BatchHeader>(batchId, BatchHeader.RowKeyValue, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>Writes the header if nobody changed it since it was read. False on a conflict.</summary>
    public Task<bool> TryUpdateHeaderAsync(BatchHeader header, CancellationToken cancellationToken) =>
        TrySubmitAsync([Replace(header)], [header], cancellationToken);

    /// <summary>Advances the header's cursor and records the claim in one transaction: both happen, or neither.</summary>
    public Task<bool> TryClaimAsync(BatchHeader header, int start, int end, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(header);
        var claim = ClaimEntity(header.BatchId, start, end, expiresAt);
        return TrySubmitAsync([Replace(header), new TableTransactionAction(TableTransactionActionType.Add, claim)], [header], cancellationToken);
    }

    /// <summary>Writes an item and the header that counts it, both conditionally, in one transaction.</summary>
    public async Task<bool> TryUpdateItemAndHeaderAsync(StoredBatchItem item, BatchHeader header, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(header);
        // Empty, not null, for "nothing counted": a merge skips null properties, so null would leave the old status in place.
        var row = new TableEntity(header.BatchId, BatchRows.Item(item.Index)) { [StatusProperty] = item.CountedStatus?.ToString() ?? "" };
        return await TrySubmitAsync([Replace(header), new TableTransactionAction(TableTransactionActionType.UpdateMerge, row, item.ETag)], [header], cancellationToken);
    }

    public async Task<StoredBatchItem?> FindItemAsync(string batchId, int index, CancellationToken cancellationToken)
    {
        var response = await Table.GetEntityIfExistsAsync<TableEntity>(batchId, BatchRows.Item(index), cancellationToken: cancellationToken);
        return response.HasValue ? ToItem(response.Value!) : null;
    }

    /// <summary>Items [from, to) in input order; without their job JSON unless asked, to keep pages small.</summary>
    public async IAsyncEnumerable<StoredBatchItem> ReadItemsAsync(string batchId, int from, int to, bool withJob, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {batchId} and RowKey ge {BatchRows.Item(from)} and RowKey lt {BatchRows.Item(to)}");
        IEnumerable<string>? select = withJob ? null : ["RowKey", JobIdProperty, CustomIdProperty, StatusProperty];
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, select: select, cancellationToken: cancellationToken))
        {
            yield return ToItem(row);
        }
    }

    /// <summary>Items whose counted status is one of <paramref name="statuses"/>, in input order.</summary>
    public async IAsyncEnumerable<StoredBatchItem> ReadItemsWithStatusAsync(string batchId, IReadOnlyList<JobStatus> statuses, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var anyStatus = string.Join(" or ", statuses.Select(s => TableClient.CreateQueryFilter($"Status eq {s.ToString()}")));
        // Item keys are all digits, so they sort before the header ("batch") and the claims.
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {batchId} and RowKey lt {"a"}") + $" and ({anyStatus})";
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, select: ["RowKey", JobIdProperty, CustomIdProperty, StatusProperty], cancellationToken: cancellationToken))
        {
            yield return ToItem(row);
        }
    }

    public async Task<List<BatchClaim>> ReadClaimsAsync(string batchId, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {batchId} and RowKey ge {BatchRows.ClaimPrefix} and RowKey lt {"claim."}");
        var claims = new List<BatchClaim>();
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            claims.Add(new BatchClaim(batchId, row.GetInt32("Start")!.Value, row.GetInt32("End")!.Value, row.GetDateTimeOffset("ExpiresAt")!.Value, row.ETag));
        }

        return claims;
    }

    /// <summary>Takes over a lapsed claim by extending it conditionally: only one dispatcher wins it.</summary>
    public async Task<BatchClaim?> TryRenewClaimAsync(BatchClaim claim, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        try
        {
            var response = await Table.UpdateEntityAsync(ClaimEntity(claim.BatchId, claim.Start, claim.End, expiresAt), claim.ETag, TableUpdateMode.Replace, cancellationToken);
            return claim with { ExpiresAt = expiresAt, ETag = response.Headers.ETag ?? default };
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return null;
        }
    }

    /// <summary>Removes a claim; one already removed was released by the dispatcher that took it over.</summary>
    public Task DeleteClaimAsync(string batchId, int start, CancellationToken cancellationToken) =>
        Table.DeleteIfExistsAsync(batchId, BatchRows.Claim(start), cancellationToken);

    /// <summary>Lists the batch in the active index, so dispatchers find it without scanning the table.</summary>
    public Task AddActiveAsync(string batchId, CancellationToken cancellationToken) =>
        Table.UpsertEntityAsync(new TableEntity(ActivePartition, batchId), TableUpdateMode.Replace, cancellationToken);

    public Task RemoveActiveAsync(string batchId, CancellationToken cancellationToken) =>
        Table.DeleteEntityAsync(ActivePartition, batchId, ETag.All, cancellationToken);

    /// <summary>Delists the batch if it is still listed as active.</summary>
    public Task RemoveActiveIfListedAsync(string batchId, CancellationToken cancellationToken) =>
        Table.DeleteIfExistsAsync(ActivePartition, batchId, cancellationToken);

    /// <summary>Lists the batch in the index by day of creation; written before the header, so no batch is missing from it.</summary>
    public Task AddToIndexAsync(BatchHeader header, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(header);
        return Index.UpsertAsync(header.CreatedAt, header.BatchId, new Dictionary<string, object?> { ["CreatedAt"] = header.CreatedAt }, cancellationToken);
    }

    /// <summary>Removes the header if nobody changed it since it was read, which makes the batch gone. False on a conflict.</summary>
    public async Task<bool> TryDeleteHeaderAsync(BatchHeader header, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(header);
        return await Table.TryDeleteUnchangedAsync(header.BatchId, BatchHeader.RowKeyValue, header.ETag, cancellationToken);
    }

    /// <summary>Ids of the batches that may have items to release, oldest first (batch ids sort by creation time).</summary>
    public async Task<List<(string BatchId, DateTimeOffset ListedAt)>> ReadActiveAsync(CancellationToken cancellationToken)
    {
        var ids = new List<(string, DateTimeOffset)>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {ActivePartition}");
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, select: ["RowKey", "Timestamp"], cancellationToken: cancellationToken))
        {
            ids.Add((row.RowKey, row.Timestamp ?? DateTimeOffset.MinValue));
        }

        return ids;
    }

    /// <summary>The current release window shared by every dispatcher, and its version; null when none exists yet.</summary>
    public async Task<(ReleaseWindow? Window, ETag Version)> ReadWindowAsync(CancellationToken cancellationToken)
    {
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(DispatchPartition, WindowRow, cancellationToken: cancellationToken);
        if (!row.HasValue)
        {
            return (null, default);
        }

        var entity = row.Value!;
        return (new ReleaseWindow(entity.GetDateTimeOffset("Start")!.Value, entity.GetInt32("Allowance") ?? 0, entity.GetInt32("Used") ?? 0), entity.ETag);
    }

    /// <summary>Writes the window if it is still at <paramref name="version"/> (default: if none exists). False on a conflict.</summary>
    public async Task<bool> TryWriteWindowAsync(ReleaseWindow window, ETag version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(window);
        var entity = new TableEntity(DispatchPartition, WindowRow) { ["Start"] = window.Start, ["Allowance"] = window.Allowance, ["Used"] = window.Used };
        try
        {
            if (version == default)
            {
                await Table.AddEntityAsync(entity, cancellationToken);
            }
            else
            {
                await Table.UpdateEntityAsync(entity, version, TableUpdateMode.Replace, cancellationToken);
            }

            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            return false;
        }
    }

    /// <summary>
    /// The marker of one schedule occurrence: created once (If-None-Match), it fixes the batch id and the secret its
    /// job ids derive from, so every tick for that occurrence builds the very same batch.
    /// </summary>
    public async Task<(string BatchId, byte[] Secret)> GetOrCreateOccurrenceAsync(string schedule, DateTimeOffset occurrence, string batchId, byte[] secret, CancellationToken cancellationToken)
    {
        var rowKey = $"{schedule}|{occurrence.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}";
        var marker = new TableEntity(SchedulePartition, rowKey) { ["BatchId"] = batchId, ["Secret"] = secret };
        try
        {
            await Table.AddEntityAsync(marker, cancellationToken);
            return (batchId, secret);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            var existing = (await Table.GetEntityAsync<TableEntity>(SchedulePartition, rowKey, cancellationToken: cancellationToken)).Value;
            return (existing.GetString("BatchId")!, existing.GetBinary("Secret")!);
        }
    }

    private static TableTransactionAction Replace(BatchHeader header) => new(TableTransactionActionType.UpdateReplace, header, header.ETag);

    private static TableEntity ClaimEntity(string batchId, int start, int end, DateTimeOffset expiresAt) =>
        new(batchId, BatchRows.Claim(start)) { ["Start"] = start, ["End"] = end, ["ExpiresAt"] = expiresAt };

    private static TableEntity ToEntity(string batchId, StoredBatchItem item)
    {
        var entity = new TableEntity(batchId, BatchRows.Item(item.Index)) { [JobIdProperty] = item.JobId, [CustomIdProperty] = item.CustomId };
        var json = item.JobJson ?? "";
        var chunks = (json.Length + BatchOptions.ChunkChars - 1) / BatchOptions.ChunkChars;
        entity[JobChunksProperty] = chunks;
        for (var i = 0; i < chunks; i++)
        {
            var start = i * BatchOptions.ChunkChars;
            entity[JobProperty + i.ToString(CultureInfo.InvariantCulture)] = json.Substring(start, Math.Min(BatchOptions.ChunkChars, json.Length - start));
        }

        return entity;
    }

    private static StoredBatchItem ToItem(TableEntity row)
    {
        string? json = null;
        if (row.GetInt32(JobChunksProperty) is { } chunks)
        {
            var builder = new StringBuilder(chunks * BatchOptions.ChunkChars);
            for (var i = 0; i < chunks; i++)
            {
                builder.Append(row.GetString(JobProperty + i.ToString(CultureInfo.InvariantCulture)));
            }

            json = builder.ToString();
        }

        var status = row.GetString(StatusProperty) is { Length: > 0 } name ? Enum.Parse<JobStatus>(name) : (JobStatus?)null;
        return new StoredBatchItem(BatchRows.IndexOf(row.RowKey), row.GetString(JobIdProperty)!, row.GetString(CustomIdProperty), json, status) { ETag = row.ETag };
    }

    private async Task SubmitAddsAsync(List<TableTransactionAction> actions, CancellationToken cancellationToken)
    {
        try
        {
            await Table.SubmitTransactionAsync(actions, cancellationToken);
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 409)
        {
            // The same rows, written by another writer of the same batch: see AddItemsAsync.
        }
    }

    private async Task<bool> TrySubmitAsync(IReadOnlyList<TableTransactionAction> actions, IReadOnlyList<BatchHeader> headers, CancellationToken cancellationToken)
    {
        try
        {
            var response = await Table.SubmitTransactionAsync(actions, cancellationToken);
            foreach (var header in headers)
            {
                var index = actions.ToList().FindIndex(a => ReferenceEquals(a.Entity, header));
                header.ETag = response.Value[index].Headers.ETag ?? default;
            }

            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 409 or 412)
        {
            return false;
        }
    }
}
