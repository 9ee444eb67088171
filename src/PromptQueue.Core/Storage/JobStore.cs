using System.Runtime.CompilerServices;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace PromptQueue.Core.Storage;

/// <summary>Reads and writes job records and their long texts in the job table. Every status change is conditional.</summary>
/// <remarks>
/// One partition per job (PartitionKey = job id) holds the <c>job</c> row and the chunk rows of its texts, so a
/// result and its reasoning trace are written in one transaction when they fit, and with the job row last when they
/// do not. Readers trust only the chunk counts on the job row, so a partly written trace is never visible.
/// </remarks>
public sealed class JobStore
{
    /// <summary>Table transactions carry at most 100 operations and 4 MiB; stay below both.</summary>
    private const int MaxActionsPerTransaction = 100;

    private const long MaxTransactionBytes = 3L * 1024 * 1024;

    private readonly TableClient _table;

    public JobStore(TableServiceClient tables, IOptions<PromptQueueOptions> options)
    {
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentNullException.ThrowIfNull(options);
        _table = tables.GetTableClient(options.Value.JobTable);
    }

    public Task EnsureCreatedAsync(CancellationToken cancellationToken) => _table.CreateIfNotExistsAsync(cancellationToken);

    /// <summary>The job row, or null when no such job exists.</summary>
    public async Task<JobRecord?> FindAsync(string jobId, CancellationToken cancellationToken)
    {
        var response = await _table.GetEntityIfExistsAsync<JobRecord>(jobId, JobRecord.RowKeyValue, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>Creates a job with its texts. Returns false, and writes nothing, when the job already exists.</summary>
    public async Task<bool> TryCreateAsync(JobRecord record, IReadOnlyDictionary<JobText, string> texts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var rows = PrepareTextRows(record, texts);
        var batches = Batch(rows);
        if (batches.Count == 1)
        {
            batches[0].Add(new TableTransactionAction(TableTransactionActionType.Add, record));
            return await TrySubmitAsync(record, batches[0], cancellationToken);
        }

        // Too large for one transaction: claim the id first, so that a clash never overwrites another job's texts.
        try
        {
            var response = await _table.AddEntityAsync(record, cancellationToken);
            record.ETag = response.Headers.ETag ?? default;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }

        foreach (var batch in batches)
        {
            await _table.SubmitTransactionAsync(batch, cancellationToken);
        }

        return true;
    }

    /// <summary>Writes the job row if nobody changed it since it was read. Returns false on a conflict.</summary>
    public Task<bool> TryUpdateAsync(JobRecord record, CancellationToken cancellationToken) =>
        TryUpdateAsync(record, new Dictionary<JobText, string>(), cancellationToken);

    /// <summary>
    /// Writes texts, then the job row if nobody changed it since it was read. Returns false on a conflict; texts
    /// already written are then invisible, because the job row that counts them was not replaced.
    /// </summary>
    public async Task<bool> TryUpdateAsync(JobRecord record, IReadOnlyDictionary<JobText, string> texts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var batches = Batch(PrepareTextRows(record, texts));
        for (var i = 0; i < batches.Count - 1; i++)
        {
            await _table.SubmitTransactionAsync(batches[i], cancellationToken);
        }

        var last = batches[^1];
        last.Add(new TableTransactionAction(TableTransactionActionType.UpdateReplace, record, record.ETag));
        return await TrySubmitAsync(record, last, cancellationToken);
    }

    /// <summary>Reads one whole text of a job, or null when the job has none.</summary>
    public async Task<string?> ReadTextAsync(JobRecord record, JobText text, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var expected = record.ChunksOf(text);
        if (expected == 0)
        {
            return null;
        }

        var builder = new StringBuilder(expected * JobTextRows.ChunkChars);
        await foreach (var chunk in ReadChunksAsync(record, text, cancellationToken))
        {
            builder.Append(chunk);
        }

        return builder.ToString();
    }

    /// <summary>
    /// Reads one text of a job chunk by chunk, in order, so a long trace can be streamed without holding it whole.
    /// Throws at the end when chunks the job row counts are missing.
    /// </summary>
    public async IAsyncEnumerable<string> ReadChunksAsync(JobRecord record, JobText text, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var expected = record.ChunksOf(text);
        if (expected == 0)
        {
            yield break;
        }

        var first = JobTextRows.RowKey(text, 0);
        var afterLast = JobTextRows.RowKey(text, expected);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {record.JobId} and RowKey ge {first} and RowKey lt {afterLast}");
        var found = 0;
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, select: [JobTextRows.TextProperty], cancellationToken: cancellationToken))
        {
            // Rows come back in RowKey order, which the zero-padded index makes the chunk order.
            yield return row.GetString(JobTextRows.TextProperty) ?? "";
            found++;
        }

        if (found != expected)
        {
            throw new InvalidOperationException($"Job {record.JobId} should have {expected} '{JobTextRows.Prefix(text)}' chunks but {found} were found.");
        }
    }

    /// <summary>Throws unless the job table answers: a cheap query for a partition that never exists.</summary>
    public async Task CheckReachableAsync(CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {"~health"}");
        await foreach (var _ in _table.QueryAsync<TableEntity>(filter, maxPerPage: 1, select: ["PartitionKey"], cancellationToken: cancellationToken).AsPages())
        {
            break;
        }
    }

    private static List<TableTransactionAction> PrepareTextRows(JobRecord record, IReadOnlyDictionary<JobText, string> texts)
    {
        var actions = new List<TableTransactionAction>();
        foreach (var (text, value) in texts)
        {
            var chunks = JobTextRows.Split(value);
            record.SetChunks(text, chunks.Count);
            for (var i = 0; i < chunks.Count; i++)
            {
                var row = new TableEntity(record.JobId, JobTextRows.RowKey(text, i)) { [JobTextRows.TextProperty] = chunks[i] };
                actions.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace, row));
            }
        }

        return actions;
    }

    /// <summary>Groups row writes into transactions; the last group always has room for the job row.</summary>
    private static List<List<TableTransactionAction>> Batch(List<TableTransactionAction> rows)
    {
        var batches = new List<List<TableTransactionAction>> { new() };
        long bytes = 0;
        foreach (var row in rows)
        {
            var size = EstimateBytes(row);
            var current = batches[^1];
            if (current.Count + 1 >= MaxActionsPerTransaction || (current.Count > 0 && bytes + size > MaxTransactionBytes))
            {
                batches.Add(current = []);
                bytes = 0;
            }

            current.Add(row);
            bytes += size;
        }

        if (batches[^1].Count + 1 > MaxActionsPerTransaction - 1 || bytes > MaxTransactionBytes - (64 * 1024))
        {
            batches.Add([]);
        }

        return batches;
    }

    /// <summary>An upper bound of a row's size on the wire: JSON escapes a character to at most six bytes.</summary>
    private static long EstimateBytes(TableTransactionAction action)
    {
        var text = ((TableEntity)action.Entity).GetString(JobTextRows.TextProperty) ?? "";
        long bytes = 512;
        foreach (var c in text)
        {
            bytes += c is >= ' ' and < (char)0x7F and not '"' and not '\\' ? 1 : 6;
        }

        return bytes;
    }

    private async Task<bool> TrySubmitAsync(JobRecord record, List<TableTransactionAction> batch, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _table.SubmitTransactionAsync(batch, cancellationToken);
            var index = batch.FindIndex(action => ReferenceEquals(action.Entity, record));
            record.ETag = response.Value[index].Headers.ETag ?? default;
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            return false;
        }
    }
}
