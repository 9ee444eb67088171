using Microsoft.Extensions.Options;
using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;
using PromptQueue.Core.Budget;
using PromptQueue.Core.Processing;
using PromptQueue.Core.Storage;

namespace PromptQueue.Core.Batches;

/// <summary>What became of a cancel or retry request.</summary>
public enum BatchChange
{
    Done,
    NotFound,

    /// <summary>The batch is in a state the change does not apply to (cancelling a finished batch).</summary>
    Conflict,
}

/// <summary>Reads batches as the API shows them, and cancels or retries them.</summary>
public sealed class BatchControl(
    BatchStore store,
    JobControl jobControl,
    RequestBudget budget,
    IOptions<BudgetOptions> budgetOptions,
    TimeProvider time)
{
    private const int MaxTries = 20;

    public Task<BatchHeader?> FindAsync(string batchId, CancellationToken cancellationToken) => store.FindHeaderAsync(batchId, cancellationToken);

    /// <summary>The batch as <c>GET /api/batches/{id}</c> shows it, with an estimate from the budget's pace.</summary>
    public async Task<BatchView> ViewAsync(BatchHeader header, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(header);
        return (await ViewsAsync([header], cancellationToken))[0];
    }

    /// <summary>Batches as a listing shows them: as <see cref="ViewAsync"/> does, with the budget read once for all.</summary>
    public async Task<List<BatchView>> ViewsAsync(IReadOnlyList<BatchHeader> headers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var now = time.GetUtcNow();
        var state = headers.Any(IsUnderWay) ? await budget.ReadAsync(cancellationToken) : null;
        return headers.Select(header => View(header, state, now)).ToList();
    }

    private static bool IsUnderWay(BatchHeader header) =>
        header.CompletedAt is null && header.Items > header.Settled && header.Status != BatchStatus.Cancelled;

    private BatchView View(BatchHeader header, BudgetState? state, DateTimeOffset now)
    {
        DateTimeOffset? estimate = IsUnderWay(header)
            ? BatchPace.EstimateCompletion(state!, budgetOptions.Value, header.Items - header.Settled, now)
            : header.CompletedAt;
        var counts = new Dictionary<JobStatus, int>
        {
            // Released jobs not yet finished are not told apart (Queued, Waiting, Running) without reading each one.
            [JobStatus.Queued] = header.InFlight,
            [JobStatus.Completed] = header.Completed,
            [JobStatus.Failed] = header.Failed,
            [JobStatus.Rejected] = header.Rejected,
            [JobStatus.Cancelled] = header.Cancelled,
            [JobStatus.DeadLettered] = header.DeadLettered,
        };
        return new BatchView
        {
            Id = header.BatchId,
            Status = header.Status,
            Schedule = header.Schedule,
            CreatedAt = header.CreatedAt,
            CompletedAt = header.CompletedAt,
            Items = header.Items,
            Pending = header.Pending,
            Counts = counts.Where(c => c.Value > 0).ToDictionary(),
            Progress = header.Items == 0 ? 1 : (double)header.Settled / header.Items,
            EstimatedCompletionAt = estimate,
            Usage = new BatchUsage(header.PromptTokens, header.CompletionTokens, header.TotalTokens, header.Cost),
        };
    }

    /// <summary>
    /// Cancels a batch: items not yet released never will be; released jobs finish. A finished batch cannot be
    /// cancelled; cancelling a cancelled batch changes nothing.
    /// </summary>
    public async Task<(BatchChange Change, BatchHeader? Header)> CancelAsync(string batchId, CancellationToken cancellationToken)
    {
        return await OptimisticConcurrency.UpdateAsync<(BatchChange, BatchHeader?)>(
            async ct =>
            {
                var header = await store.FindHeaderAsync(batchId, ct);
                switch (header?.Status)
                {
                    case null: return ConcurrencyStep.Done<(BatchChange, BatchHeader?)>((BatchChange.NotFound, null));
                    case BatchStatus.Completed: return ConcurrencyStep.Done<(BatchChange, BatchHeader?)>((BatchChange.Conflict, header));
                    case BatchStatus.Cancelled: return ConcurrencyStep.Done<(BatchChange, BatchHeader?)>((BatchChange.Done, header));
                }

                // The cursor write of a dispatcher and this write are both conditional: an item is either claimed before
                // the cancel (and released) or withheld by it, never both.
                header!.Withheld = header.Items - header.NextIndex;
                header.Status = BatchStatus.Cancelled;
                header.CompleteIfSettled(time.GetUtcNow());
                return await store.TryUpdateHeaderAsync(header, ct)
                    ? ConcurrencyStep.Done<(BatchChange, BatchHeader?)>((BatchChange.Done, header))
                    : ConcurrencyStep.Conflict<(BatchChange, BatchHeader?)>();
            },
            MaxTries,
            () => throw new InvalidOperationException($"Batch {batchId} kept changing while it was being cancelled."),
            cancellationToken);
    }

    /// <summary>
    /// Runs the batch's Failed and DeadLettered jobs again, directly, each by the one retry path of a job
    /// (<see cref="JobControl.RetryAsync"/>): the job goes back to Queued with its attempts reset and a fresh message, and
    /// its item leaves the failed count (<see cref="BatchProgress.OnRetriedAsync"/>). Retried jobs are paced by the
    /// shared budget like any job (they wait without spending attempts); they are few, so they are not held for the
    /// dispatcher.
    /// </summary>
    public async Task<(BatchChange Change, int Retried)> RetryFailedAsync(string batchId, CancellationToken cancellationToken)
    {
        if (await store.FindHeaderAsync(batchId, cancellationToken) is null)
        {
            return (BatchChange.NotFound, 0);
        }

        var retried = 0;
        await foreach (var item in store.ReadItemsWithStatusAsync(batchId, BatchProgress.Retryable, cancellationToken))
        {
            if ((await jobControl.RetryAsync(item.JobId, cancellationToken)).Outcome == JobChangeOutcome.Changed)
            {
                retried++;
            }
        }

        return (BatchChange.Done, retried);
    }
}
