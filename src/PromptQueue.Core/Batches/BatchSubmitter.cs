using Microsoft.Extensions.Options;
using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;

namespace PromptQueue.Core.Batches;

/// <summary>How a batch is submitted.</summary>
public sealed record BatchSubmitRequest
{
    /// <summary>The schedule that creates the batch; null for a submission.</summary>
    public string? Schedule { get; init; }

    /// <summary>A fixed batch id (a schedule occurrence's); a fresh one when null.</summary>
    public string? BatchId { get; init; }

    /// <summary>The secret the items' job ids derive from; a fresh one when null.</summary>
    public byte[]? Secret { get; init; }

    public DateTimeOffset? CreatedAt { get; init; }

    public int Priority { get; init; }

    /// <summary>Store the valid items and report the invalid ones, instead of refusing the whole batch (<c>promptq run</c>).</summary>
    public bool SkipInvalidItems { get; init; }

}

/// <summary>The outcome of a batch submission: the stored batch, or why it was refused.</summary>
/// <param name="Header">The batch, when it was stored (or already existed).</param>
/// <param name="Created">False when the same batch existed already (a schedule occurrence written twice).</param>
/// <param name="Problems">Item problems: the reason for a refusal, or the items skipped.</param>
/// <param name="UnreportedProblems">Problems beyond the reported ones.</param>
/// <param name="TooLarge">The body or item count exceeded the limits (HTTP 413).</param>
/// <param name="Refusal">Why the batch as a whole was refused.</param>
/// <param name="InvalidItems">Items (lines) with problems: refused with the batch, or skipped when the request skips them.</param>
public sealed record BatchSubmission(BatchHeader? Header, bool Created, IReadOnlyList<BatchItemProblem> Problems, int UnreportedProblems, bool TooLarge, string? Refusal, int InvalidItems = 0)
{
    public bool Accepted => Header is not null;
}

/// <summary>
/// Stores a batch: streams the body item by item, writes the items in transactions of up to 100 rows, then the header
/// that makes the batch visible to dispatchers. A refused batch leaves nothing behind.
/// </summary>
public sealed class BatchSubmitter(BatchStore store, IOptions<BatchOptions> options, IOptions<JobLimits> limits, TimeProvider time)
{
    private readonly BatchOptions _options = options.Value;

    public async Task<BatchSubmission> SubmitAsync(Stream body, BatchSubmitRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var created = request.CreatedAt ?? time.GetUtcNow();
        var batchId = request.BatchId ?? JobIds.NewBatchId(created);
        var secret = request.Secret ?? JobIds.NewBatchSecret();
        var problems = new List<BatchItemProblem>();
        var unreported = 0;
        var refused = false;
        var written = false;
        var stored = 0;
        var pending = new List<StoredBatchItem>(BatchStore.MaxActionsPerTransaction);
        string? refusal = null;
        var tooLarge = false;
        var invalidItems = 0;

        try
        {
            await foreach (var item in new BatchBodyReader(_options, limits.Value).ReadAsync(body, cancellationToken))
            {
                if (!item.IsValid)
                {
                    foreach (var problem in item.Problems)
                    {
                        if (problems.Count < _options.MaxReportedErrors)
                        {
                            problems.Add(problem);
                        }
                        else
                        {
                            unreported++;
                        }
                    }

                    // Keep reading: the caller gets every problem of the body at once, not one per attempt.
                    refused |= !request.SkipInvalidItems;
                    invalidItems++;
                    continue;
                }

                if (stored == _options.MaxItems)
                {
                    (tooLarge, refusal) = (true, $"the batch holds more than {_options.MaxItems} items; split it into several batches");
                    break;
                }

                if (refused)
                {
                    continue;
                }

                pending.Add(new StoredBatchItem(stored, JobIds.ForBatchItem(secret, created, stored), item.CustomId, item.JobJson, null));
                stored++;
                if (pending.Count == BatchStore.MaxActionsPerTransaction)
                {
                    await store.AddItemsAsync(batchId, pending, cancellationToken);
                    (written, pending) = (true, new List<StoredBatchItem>(BatchStore.MaxActionsPerTransaction));
                }
            }
        }
        catch (BatchBodyTooLargeException ex)
        {
            (tooLarge, refusal) = (true, ex.Message);
        }

        if (refused || tooLarge || stored == 0)
        {
            if (written)
            {
                await store.DeletePartitionAsync(batchId, cancellationToken);
            }

            refusal ??= refused ? $"{problems.Count + unreported} problem(s) in the batch's items; nothing was stored" : "the batch holds no items";
            return new BatchSubmission(null, false, problems, unreported, tooLarge, refusal, invalidItems);
        }

        await store.AddItemsAsync(batchId, pending, cancellationToken);
        var header = new BatchHeader
        {
            PartitionKey = batchId,
            Status = BatchStatus.Dispatching,
            Schedule = request.Schedule,
            Priority = request.Priority,
            CreatedAt = created,
            Items = stored,
        };

        // Listed as active before the header exists, so a crash in between cannot leave a batch no dispatcher finds;
        // the dispatcher ignores a listing whose header is missing.
        await store.AddActiveAsync(batchId, cancellationToken);
        await store.AddToIndexAsync(header, cancellationToken);
        if (await store.TryCreateHeaderAsync(header, cancellationToken))
        {
            return new BatchSubmission(header, true, problems, unreported, false, null, invalidItems);
        }

        var existing = await store.FindHeaderAsync(batchId, cancellationToken);
        return new BatchSubmission(existing, false, problems, unreported, false, null, invalidItems);
    }
}
