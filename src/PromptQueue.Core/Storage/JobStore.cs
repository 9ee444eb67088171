using System.Runtime.CompilerServices;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PromptQueue.Contracts;

namespace PromptQueue.Core.Storage;

/// <summary>Reads and writes job records and their long texts in the job table. Every status change is conditional.</summary>
/// <remarks>
/// One partition per job (PartitionKey = job id) holds the <c>job</c> row and the chunk rows of its texts, so a
/// result and its reasoning trace are written in one transaction when they fit, and with the job row last when they
/// do not. Each write's chunk rows carry a version of their own, and readers trust only the version and chunk count
/// the job row names, so a partly written trace, or one written by a worker that lost its claim, is never visible.
/// </remarks>
public sealed partial class JobStore
{
    /// <summary>Table transactions carry at most 100 operations and 4 MiB; stay below both.</summary>
    private const int MaxActionsPerTransaction = 100;

    private const long MaxTransactionBytes = 3L * 1024 * 1024;

    /// <summary>A partition the health check queries and nothing ever writes; see <c>src/PromptQueue.Core/Storage/README.md</c>.</summary>
    private const string HealthPartition = "~health";

    private readonly TableClient _table;
    private readonly UnfinishedJobs _unfinished;
    private readonly CreatedJobs _created;
    private readonly ILogger<JobStore> _logger;

    public JobStore(TableServiceClient tables, UnfinishedJobs unfinished, CreatedJobs created, IOptions<PromptQueueOptions> options, ILogger<JobStore> logger)
    {
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentNullException.ThrowIfNull(options);
        _table = tables.GetTableClient(options.Value.JobTable);
        _unfinished = unfinished;
        _created = created;
        _logger = logger;
    }

    /// <summary>The index of unfinished jobs, which this store keeps in step with every job row it writes.</summary>
    public UnfinishedJobs Unfinished => _unfinished;

    /// <summary>The index of jobs by day of creation, which this store keeps in step with every job row it writes.</summary>
    public CreatedJobs Created => _created;

    public Task EnsureCreatedAsync(CancellationToken cancellationToken) => _table.CreateIfNotExistsAsync(cancellationToken);

    /// <summary>The job row, or null when no such job exists.</summary>
    public async Task<JobRecord?> FindAsync(string jobId, CancellationToken cancellationToken)
    {
        var response = await _table.GetEntityIfExistsAsync<JobRecord>(jobId, JobRecord.RowKeyValue, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>Creates a job with its texts. Returns false, and leaves nothing behind, when the job already exists.</summary>
    /// <param name="record">The new job.</param>
    /// <param name="texts">Its long texts.</param>
    /// <param name="cancellationToken">Stops the writes.</param>
    /// <param name="arrivedInMessage">
    /// For a job that came in a queue message, that message's body: the job needs no message of its own, and a poison
    /// copy of the message, which has a new message id, finds the job by it.
    /// </param>
    public async Task<bool> TryCreateAsync(JobRecord record, IReadOnlyDictionary<JobText, string> texts, CancellationToken cancellationToken, string? arrivedInMessage = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (!IsFinished(record))
        {
            // Before the job row: there is never an unfinished job the sweep cannot see.
            await _unfinished.AddAsync(record.JobId, awaitsMessage: record.Status == JobStatus.Queued && arrivedInMessage is null, arrivedInMessage, cancellationToken);
        }

        // Before the job row too: there is never a job that listings and retention cannot see.
        await _created.WriteAsync(record, cancellationToken);
        record.ListedStatus = record.Status;

        // Refused when the id is taken: the unfinished row then stands for the job holding it, which the sweep looks at
        // and removes once it is finished; the new index row stands for nothing and goes at once.
        if (await WriteAsync(record, texts, new TableTransactionAction(TableTransactionActionType.Add, record), cancellationToken))
        {
            return true;
        }

        await _created.RemoveAsync(record, CancellationToken.None);
        return false;
    }

    /// <summary>Writes the job row if nobody changed it since it was read. Returns false on a conflict.</summary>
    public Task<bool> TryUpdateAsync(JobRecord record, CancellationToken cancellationToken) =>
        TryUpdateAsync(record, new Dictionary<JobText, string>(), cancellationToken);

    /// <summary>
    /// Writes texts, then the job row if nobody changed it since it was read. Returns false on a conflict, and the
    /// texts this call wrote are removed again: they were never visible, because no job row pointed at them.
    /// </summary>
    /// <remarks>
    /// A job written as Queued (queued again by a retry) is put in the index of unfinished jobs first, awaiting the
    /// message the caller sends next; a job written finished leaves the index.
    /// </remarks>
    public async Task<bool> TryUpdateAsync(JobRecord record, IReadOnlyDictionary<JobText, string> texts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);

        // A job stored before the index of jobs by day existed joins it now, under a time stored in this very write.
        _created.StampCreated(record);
        var relist = record.ListedStatus != record.Status;
        record.ListedStatus = record.Status;
        if (record.Status == JobStatus.Queued)
        {
            await _unfinished.AddAsync(record.JobId, awaitsMessage: true, messageBody: null, cancellationToken);
        }

        if (!await WriteAsync(record, texts, new TableTransactionAction(TableTransactionActionType.UpdateReplace, record, record.ETag), cancellationToken))
        {
            return false;
        }

        if (relist)
        {
            await UpdateCreatedIndexAsync(record);
        }

        if (IsFinished(record))
        {
            await LeaveIndexAsync(record.JobId);
        }

        return true;
    }

    /// <summary>Finished: terminal, and every observer has heard of it.</summary>
    public static bool IsFinished(JobRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.Status.IsTerminal() && record.NoticesPendingSince is null;
    }

    /// <summary>
    /// The job's result is stored whatever happens here: a row that could not be removed is only one the sweep reads
    /// and removes later, so the failure is logged, not thrown at a caller whose write succeeded.
    /// </summary>
    private async Task LeaveIndexAsync(string jobId)
    {
        try
        {
            await _unfinished.RemoveAsync(jobId, CancellationToken.None);
        }
        catch (RequestFailedException ex)
        {
            LogIndexRemovalFailed(ex, jobId);
        }
    }

    [LoggerMessage(LogLevel.Information, "Job {JobId} is finished but its row in the index of unfinished jobs stays; the sweep removes it")]
    private partial void LogIndexRemovalFailed(Exception exception, string jobId);

    /// <summary>
    /// After the job row, so a listing never shows a change that lost its race. The change is stored whatever happens
    /// here: a failure leaves the listing one status behind until the next change of status, so it is logged, not thrown.
    /// </summary>
    private async Task UpdateCreatedIndexAsync(JobRecord record)
    {
        try
        {
            await _created.WriteAsync(record, CancellationToken.None);
        }
        catch (RequestFailedException ex)
        {
            LogCreatedIndexFailed(ex, record.JobId, record.Status);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Job {JobId} is {Status} but its row in the index of jobs by day could not be written; listings show its previous status until its next change")]
    private partial void LogCreatedIndexFailed(Exception exception, string jobId, JobStatus status);

    /// <summary>
    /// Writes the texts as rows of a new version, then the job row that points at them, conditionally, in the last
    /// transaction. The rows of one write belong to that write alone, so whatever a losing writer did before its
    /// job row was refused, the rows the winner's job row names are untouched, and a reader sees the whole old text
    /// or the whole new one.
    /// </summary>
    private async Task<bool> WriteAsync(JobRecord record, IReadOnlyDictionary<JobText, string> texts, TableTransactionAction jobRow, CancellationToken cancellationToken)
    {
        var batches = Batch(PrepareTextRows(record, texts, JobTextRows.NewVersion()));
        for (var i = 0; i < batches.Count - 1; i++)
        {
            await _table.SubmitTransactionAsync(batches[i], cancellationToken);
        }

        var last = batches[^1];
        last.Add(jobRow);
        if (await TrySubmitAsync(record, last, cancellationToken))
        {
            return true;
        }

        // Refused: the last transaction wrote nothing, and the earlier ones only rows no job row names.
        await DeleteRowsAsync(record.JobId, batches.Take(batches.Count - 1).SelectMany(batch => batch), CancellationToken.None);
        return false;
    }

    private async Task DeleteRowsAsync(string partition, IEnumerable<TableTransactionAction> written, CancellationToken cancellationToken)
    {
        var deletes = written
            .Select(action => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(partition, action.Entity.RowKey), ETag.All))
            .Chunk(MaxActionsPerTransaction);
        foreach (var batch in deletes)
        {
            await _table.SubmitTransactionAsync(batch, cancellationToken);
        }
    }

    /// <summary>
    /// Removes the job row if nobody changed it since it was read, which makes the job gone; its other rows are then
    /// rows no job row names, for <see cref="DeletePartitionAsync"/>. False when the job changed meanwhile.
    /// </summary>
    public async Task<bool> TryDeleteAsync(JobRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        return await _table.TryDeleteUnchangedAsync(record.JobId, JobRecord.RowKeyValue, record.ETag, cancellationToken);
    }

    /// <summary>Removes every row left in a job's partition: its text chunks of every write, and the job row if still there.</summary>
    public async Task DeletePartitionAsync(string jobId, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {jobId}");
        var rows = new List<TableTransactionAction>();
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            rows.Add(new TableTransactionAction(TableTransactionActionType.Delete, row));
        }

        await DeleteRowsAsync(jobId, rows, cancellationToken);
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

        var version = record.VersionOf(text);
        var first = JobTextRows.RowKey(text, version, 0);
        var afterLast = JobTextRows.RowKey(text, version, expected);
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
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {HealthPartition}");
        await foreach (var _ in _table.QueryAsync<TableEntity>(filter, maxPerPage: 1, select: ["PartitionKey"], cancellationToken: cancellationToken).AsPages())
        {
            break;
        }
    }

    private static List<TableTransactionAction> PrepareTextRows(JobRecord record, IReadOnlyDictionary<JobText, string> texts, string version)
    {
        var actions = new List<TableTransactionAction>();
        foreach (var (text, value) in texts)
        {
            var chunks = JobTextRows.Split(value);
            record.SetChunks(text, chunks.Count, version);
            for (var i = 0; i < chunks.Count; i++)
            {
                var row = new TableEntity(record.JobId, JobTextRows.RowKey(text, version, i)) { [JobTextRows.TextProperty] = chunks[i] };
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
