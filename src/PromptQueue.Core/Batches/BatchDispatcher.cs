using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PromptQueue.Contracts.Api;
using PromptQueue.Core.Budget;
using PromptQueue.Core.Processing;
using PromptQueue.Core.Storage;
using PromptQueue.Core.Submission;

namespace PromptQueue.Core.Batches;

/// <summary>What one dispatcher tick did.</summary>
/// <param name="Capacity">How many items the budget allowed this tick.</param>
/// <param name="InFlight">Batch jobs released earlier and not finished when the tick began.</param>
/// <param name="Released">Items released from pending this tick.</param>
/// <param name="Recovered">Items of lapsed claims released again.</param>
public sealed record DispatchResult(int Capacity, int InFlight, int Released, int Recovered);

/// <summary>
/// Releases batch items into the job queue at the pace the shared budget allows, oldest batch first (higher
/// priority before), so that a batch of any size drains without flooding the queue.
/// </summary>
/// <remarks>
/// <para>Per tick: capacity = min(ceil(rpm × interval) + lead, today's remaining requests) − batch jobs in flight
/// (<see cref="BatchPace.Capacity"/>). Jobs released earlier and not yet finished are subtracted, so the queue holds
/// at most about one interval of batch work, whatever the batch size.</para>
/// <para>No item is ever released twice by two dispatchers: a dispatcher first claims a range by moving the
/// header's cursor with a conditional (ETag) write, in the same transaction as a claim row that names the range. Two
/// dispatchers that read the same header cannot both write it, so their ranges never overlap. Only then are the jobs
/// created. If the dispatcher dies after its claim, the claim row outlives it; once the claim lapses another
/// dispatcher takes it over (again conditionally, so only one) and releases the range again. Releasing is idempotent:
/// each item's job id was fixed at submission, and creating a job whose id exists changes nothing, so a job released
/// twice exists once; at worst its queue message is sent twice, and the processor claims each job once.</para>
/// <para>Dispatchers ticking at once (several standalone hosts) share one interval's capacity: each reserves what it
/// releases, a few items at a time, from a release window kept in storage and written conditionally.</para>
/// </remarks>
public sealed partial class BatchDispatcher(
    BatchStore store,
    JobSubmitter submitter,
    JobStore jobs,
    JobLifecycle records,
    JobTerminalNotices notices,
    RequestBudget budget,
    IOptions<BudgetOptions> budgetOptions,
    IOptions<BatchOptions> options,
    TimeProvider time,
    ILogger<BatchDispatcher> logger)
{
    /// <summary>A listing whose header never appeared belongs to a submission that died half-way; it is dropped after this.</summary>
    private static readonly TimeSpan OrphanListingAge = TimeSpan.FromDays(1);

    private const int MaxClaimTries = 20;

    /// <summary>Items claimed per step: small enough that concurrent dispatchers interleave, large enough to be cheap.</summary>
    private const int ReleaseStep = 25;

    /// <summary>A new window opens a little before a full interval has passed: timer ticks are never exactly on time.</summary>
    private const double WindowShare = 0.9;

    private readonly BatchOptions _options = options.Value;

    public async Task<DispatchResult> DispatchAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var headers = await ReadActiveHeadersAsync(now, cancellationToken);
        var inFlight = headers.Sum(h => h.InFlight);
        var state = await budget.ReadAsync(cancellationToken);
        var capacity = BatchPace.Capacity(state, budgetOptions.Value, _options.Interval, _options.Lead, inFlight, now);

        var recovered = 0;
        foreach (var header in headers.Where(h => h.NextIndex > h.Finished))
        {
            recovered += await RecoverLapsedClaimsAsync(header.BatchId, cancellationToken);
        }

        var released = 0;
        foreach (var header in headers.Where(h => h.Status == BatchStatus.Dispatching).OrderByDescending(h => h.Priority).ThenBy(h => h.BatchId, StringComparer.Ordinal))
        {
            // Small steps, each reserved from the shared window first: dispatchers ticking at once share one
            // interval's capacity instead of each taking all of it.
            while (await ReserveAsync(capacity, Math.Min(ReleaseStep, header.Items - header.NextIndex), cancellationToken) is var reserved and > 0)
            {
                var claimed = await ClaimAndReleaseAsync(header, reserved, cancellationToken);
                released += claimed;
                if (claimed < reserved)
                {
                    await ReserveAsync(capacity, claimed - reserved, cancellationToken);
                    break;
                }
            }
        }

        if (released > 0 || recovered > 0)
        {
            LogDispatched(released, recovered, capacity, inFlight);
        }

        return new DispatchResult(capacity, inFlight, released, recovered);
    }

    /// <summary>
    /// Takes up to <paramref name="wanted"/> items from the release window all dispatchers share (a negative number gives
    /// items back). A window lasts about one dispatch interval; whoever opens it sets its allowance to the capacity it
    /// computed, so together the dispatchers release at most one interval's capacity per interval.
    /// </summary>
    private async Task<int> ReserveAsync(int capacity, int wanted, CancellationToken cancellationToken)
    {
        if (wanted == 0)
        {
            return 0;
        }

        return await OptimisticConcurrency.UpdateAsync(
            async ct =>
            {
                var now = time.GetUtcNow();
                var (window, version) = await store.ReadWindowAsync(ct);
                if (window is null || now - window.Start >= _options.Interval * WindowShare)
                {
                    window = new ReleaseWindow(now, capacity, 0);
                }

                var granted = Math.Min(wanted, window.Allowance - window.Used);
                return granted == 0 || await store.TryWriteWindowAsync(window with { Used = Math.Max(0, window.Used + granted) }, version, ct)
                    ? ConcurrencyStep.Done<int>(granted)
                    : ConcurrencyStep.Conflict<int>();
            },
            MaxClaimTries,
            () => 0,
            cancellationToken);
    }

    private async Task<List<BatchHeader>> ReadActiveHeadersAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var headers = new List<BatchHeader>();
        foreach (var (batchId, listedAt) in await store.ReadActiveAsync(cancellationToken))
        {
            var header = await store.FindHeaderAsync(batchId, cancellationToken);
            var settled = header is not null && header.Status is BatchStatus.Completed or BatchStatus.Cancelled && header.InFlight == 0;
            if ((header is null && now - listedAt > OrphanListingAge) || settled)
            {
                await store.RemoveActiveAsync(batchId, cancellationToken);
            }
            else if (header is not null)
            {
                headers.Add(header);
            }
        }

        return headers;
    }

    /// <summary>Claims up to <paramref name="wanted"/> items by moving the cursor (ETag), then releases them.</summary>
    private async Task<int> ClaimAndReleaseAsync(BatchHeader header, int wanted, CancellationToken cancellationToken)
    {
        var current = header;
        return await OptimisticConcurrency.UpdateAsync(
            async ct =>
            {
                var start = current.NextIndex;
                var count = Math.Min(wanted, current.Items - start);
                if (current.Status != BatchStatus.Dispatching || count <= 0)
                {
                    return ConcurrencyStep.Done<int>(0);
                }

                current.NextIndex = start + count;
                if (current.NextIndex == current.Items)
                {
                    current.Status = BatchStatus.Running;
                }

                if (await store.TryClaimAsync(current, start, start + count, time.GetUtcNow() + _options.ClaimDuration, ct))
                {
                    await ReleaseAsync(current.BatchId, start, start + count, ct);
                    return ConcurrencyStep.Done<int>(count);
                }

                // Another dispatcher moved the cursor (or the batch was cancelled): read it again and claim what is left.
                if (await store.FindHeaderAsync(current.BatchId, ct) is not { } fresh)
                {
                    return ConcurrencyStep.Done<int>(0);
                }

                current = fresh;
                return ConcurrencyStep.Conflict<int>();
            },
            MaxClaimTries,
            () =>
            {
                LogContended(current.BatchId);
                return 0;
            },
            cancellationToken);
    }

    private async Task<int> RecoverLapsedClaimsAsync(string batchId, CancellationToken cancellationToken)
    {
        var recovered = 0;
        foreach (var claim in await store.ReadClaimsAsync(batchId, cancellationToken))
        {
            var now = time.GetUtcNow();
            if (claim.ExpiresAt > now || await store.TryRenewClaimAsync(claim, now + _options.ClaimDuration, cancellationToken) is null)
            {
                continue;
            }

            LogClaimRecovered(batchId, claim.Start, claim.End);
            await ReleaseAsync(batchId, claim.Start, claim.End, cancellationToken);
            recovered += claim.End - claim.Start;
        }

        return recovered;
    }

    /// <summary>Creates each item's job (Queued, source batch) with a queue message, then drops the claim.</summary>
    private async Task ReleaseAsync(string batchId, int start, int end, CancellationToken cancellationToken)
    {
        await foreach (var item in store.ReadItemsAsync(batchId, start, end, withJob: true, cancellationToken))
        {
            var submission = await submitter.SubmitAsync(item.JobJson ?? "", JobSources.Batch, item.JobId, record => Stamp(record, batchId, item), cancellationToken);
            if (!submission.Accepted)
            {
                await RejectAsync(batchId, item, string.Join("; ", submission.Errors), cancellationToken);
            }
        }

        await store.DeleteClaimAsync(batchId, start, cancellationToken);
    }

    /// <summary>
    /// An item accepted at submission that no longer passes (the limits were lowered since): it becomes a Rejected job
    /// with its payload kept, so the batch still completes and the item shows why.
    /// </summary>
    private async Task RejectAsync(string batchId, StoredBatchItem item, string error, CancellationToken cancellationToken)
    {
        LogItemRejected(batchId, item.Index, error);
        var record = records.Rejected(item.JobId, item.JobJson ?? "", error);
        record.Source = JobSources.Batch;
        Stamp(record, batchId, item);
        if (await jobs.TryCreateAsync(record, JobLifecycle.PayloadText(item.JobJson ?? ""), cancellationToken))
        {
            await notices.PublishAsync(record);
        }
    }

    private static void Stamp(JobRecord record, string batchId, StoredBatchItem item)
    {
        record.BatchId = batchId;
        record.BatchItemIndex = item.Index;
        record.Name = item.CustomId;
    }

    [LoggerMessage(LogLevel.Information, "Released {Released} batch item(s) and {Recovered} of lapsed claims (capacity {Capacity}, {InFlight} in flight)")]
    private partial void LogDispatched(int released, int recovered, int capacity, int inFlight);

    [LoggerMessage(LogLevel.Warning, "Batch {BatchId}: a dispatcher's claim on items {Start} to {End} lapsed; releasing them again")]
    private partial void LogClaimRecovered(string batchId, int start, int end);

    [LoggerMessage(LogLevel.Warning, "Batch {BatchId}: its header kept changing under {Attempts} claims in a row; giving way this tick", EventName = "BatchContended")]
    private partial void LogContendedCore(string batchId, int attempts);

    [LoggerMessage(LogLevel.Warning, "Batch {BatchId}: item {Index} no longer passes validation and is rejected: {Error}")]
    private partial void LogItemRejected(string batchId, int index, string error);

    private void LogContended(string batchId) => LogContendedCore(batchId, MaxClaimTries);
}
