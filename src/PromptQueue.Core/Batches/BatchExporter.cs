using System.Runtime.CompilerServices;
using System.Text.Json;
using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;
using PromptQueue.Core.Processing;
using PromptQueue.Core.Storage;

namespace PromptQueue.Core.Batches;

/// <summary>One item of a batch with its job as stored (null when never released) and the texts the export needs.</summary>
public sealed record BatchExportRow(string BatchId, StoredBatchItem Item, JobRecord? Record, string? Answer, string? Reasoning, string? ReasoningDetails)
{
    public BatchResultLine ToLine() => new()
    {
        Index = Item.Index,
        CustomId = Item.CustomId,
        JobId = Item.JobId,
        Status = Record?.Status,
        Answer = Answer,
        Usage = Record is null ? null : JobViews.UsageOf(Record),
        Cost = Record?.Cost,
        Error = Record is null ? null : JobViews.ErrorOf(Record),
        Reasoning = Reasoning,
        ReasoningDetails = ReasoningDetails is null ? null : JsonSerializer.Deserialize<JsonElement>(ReasoningDetails),
    };
}

/// <summary>
/// Reads a batch's results in input order, page by page: memory holds one page of items and their jobs, whatever the
/// size of the batch.
/// </summary>
public sealed class BatchExporter(BatchStore store, JobStore jobs)
{
    /// <summary>Items per page: few enough that a page of long answers stays small.</summary>
    public const int PageSize = 100;

    /// <summary>Job reads in flight at once within a page; they are point reads of separate partitions.</summary>
    private const int ParallelReads = 16;

    public async IAsyncEnumerable<BatchExportRow> ReadAsync(BatchHeader header, bool withReasoning, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(header);
        for (var from = 0; from < header.Items; from += PageSize)
        {
            var items = new List<StoredBatchItem>(PageSize);
            await foreach (var item in store.ReadItemsAsync(header.BatchId, from, Math.Min(header.Items, from + PageSize), withJob: false, cancellationToken))
            {
                items.Add(item);
            }

            var rows = new BatchExportRow[items.Count];
            await Parallel.ForEachAsync(
                Enumerable.Range(0, items.Count),
                new ParallelOptions { MaxDegreeOfParallelism = ParallelReads, CancellationToken = cancellationToken },
                async (i, token) => rows[i] = await ReadRowAsync(header, items[i], withReasoning, token));
            foreach (var row in rows)
            {
                yield return row;
            }
        }
    }

    // A web server's response stream refuses synchronous writes, so even the line break goes out asynchronously.
    private static readonly ReadOnlyMemory<byte> NewLine = "\n"u8.ToArray();

    /// <summary>Writes the results as JSONL of <see cref="BatchResultLine"/>, flushing page by page.</summary>
    public async Task WriteJsonLinesAsync(BatchHeader header, bool withReasoning, Stream output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        var writtenInPage = 0;
        await foreach (var row in ReadAsync(header, withReasoning, cancellationToken))
        {
            await JsonSerializer.SerializeAsync(output, row.ToLine(), ContractJson.Options, cancellationToken);
            await output.WriteAsync(NewLine, cancellationToken);
            if (++writtenInPage == PageSize)
            {
                await output.FlushAsync(cancellationToken);
                writtenInPage = 0;
            }
        }

        await output.FlushAsync(cancellationToken);
    }

    private async Task<BatchExportRow> ReadRowAsync(BatchHeader header, StoredBatchItem item, bool withReasoning, CancellationToken cancellationToken)
    {
        // Items not yet claimed have no job; reading them would only cost a round trip each.
        var record = item.Index < header.NextIndex ? await jobs.FindAsync(item.JobId, cancellationToken) : null;
        if (record is null)
        {
            return new BatchExportRow(header.BatchId, item, null, null, null, null);
        }

        // The preview is the whole answer when it is shorter than the preview's limit: one read saved per item.
        var answer = record.AnswerChunks == 0 ? null
            : record.AnswerPreview is { Length: < JobLifecycle.AnswerPreviewChars } preview ? preview
            : await jobs.ReadTextAsync(record, JobText.Answer, cancellationToken);
        return withReasoning
            ? new BatchExportRow(header.BatchId, item, record, answer,
                await jobs.ReadTextAsync(record, JobText.Reasoning, cancellationToken),
                await jobs.ReadTextAsync(record, JobText.ReasoningDetails, cancellationToken))
            : new BatchExportRow(header.BatchId, item, record, answer, null, null);
    }
}
