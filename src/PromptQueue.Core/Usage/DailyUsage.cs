using Azure;
using Azure.Data.Tables;
using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;
using PromptQueue.Core.Batches;
using PromptQueue.Core.Budget;
using PromptQueue.Core.Processing;
using PromptQueue.Core.Storage;

namespace PromptQueue.Core.Usage;

/// <summary>Tokens and cost of the jobs completed on one UTC day, with how many there were.</summary>
public sealed record DayUsage(string Day, int Jobs, BatchUsage Usage);

/// <summary>Sums every completed job's usage and cost per UTC day (by completion time), counting each job once.</summary>
/// <remarks>
/// Partition <c>usage-yyyy-MM-dd</c> of the batch table holds the day's total and one marker row per counted job; the
/// marker is added in the same transaction as the total, so a repeated notice fails on the marker and counts nothing.
/// </remarks>
public sealed class DailyUsage(BatchStore store, TimeProvider time) : IJobTerminalObserver
{
    private const string TotalRow = "total";
    private const int MaxTries = 20;

    /// <summary>
    /// Removes the marker that kept a job from being counted twice, once the job itself is removed and no notice of it
    /// can come again; the day's total stays.
    /// </summary>
    public async Task ForgetAsync(JobRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record is not { Status: JobStatus.Completed, CompletedAt: { } completedAt })
        {
            return;
        }

        await store.Table.DeleteIfExistsAsync(Partition(BudgetRules.DayOf(completedAt)), MarkerRow(record.JobId), cancellationToken);
    }

    public async Task OnTerminalAsync(JobRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Status != JobStatus.Completed)
        {
            return;
        }

        var partition = Partition(BudgetRules.DayOf(record.CompletedAt ?? time.GetUtcNow()));
        await OptimisticConcurrency.UpdateAsync(
            async ct =>
            {
                NullableResponse<TableEntity> existing;
                try
                {
                    existing = await store.Table.GetEntityIfExistsAsync<TableEntity>(partition, TotalRow, cancellationToken: ct);
                }
                catch (RequestFailedException ex) when (ex.Status == 404)
                {
                    // A host that skipped start-up creation (a test host, a tool): the table comes with the first count.
                    await store.EnsureCreatedAsync(ct);
                    return ConcurrencyStep.Conflict<bool>();
                }

                var total = existing.HasValue ? existing.Value! : new TableEntity(partition, TotalRow);
                total["Jobs"] = (total.GetInt32("Jobs") ?? 0) + 1;
                total["PromptTokens"] = (total.GetInt64("PromptTokens") ?? 0) + (record.PromptTokens ?? 0);
                total["CompletionTokens"] = (total.GetInt64("CompletionTokens") ?? 0) + (record.CompletionTokens ?? 0);
                total["TotalTokens"] = (total.GetInt64("TotalTokens") ?? 0) + (record.TotalTokens ?? 0);
                total["Cost"] = (total.GetDouble("Cost") ?? 0) + (record.Cost ?? 0);
                TableTransactionAction[] actions =
                [
                    new(TableTransactionActionType.Add, new TableEntity(partition, MarkerRow(record.JobId))),
                    existing.HasValue ? new(TableTransactionActionType.UpdateReplace, total, total.ETag) : new(TableTransactionActionType.Add, total),
                ];
                try
                {
                    await store.Table.SubmitTransactionAsync(actions, ct);
                    return ConcurrencyStep.Done<bool>(true);
                }
                catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412 && ex.FailedTransactionActionIndex == 0)
                {
                    // The marker is there: this job is counted already.
                    return ConcurrencyStep.Done<bool>(false);
                }
                catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412)
                {
                    // Another job's completion updated the total first: read it again.
                    return ConcurrencyStep.Conflict<bool>();
                }
            },
            MaxTries,
            // Thrown, not logged: the job stays marked as not yet published, and the sweep counts it later.
            () => throw new InvalidOperationException($"Daily usage: could not add job {record.JobId}; the day's total kept changing."),
            cancellationToken);
    }

    /// <summary>The usage of one UTC day (yyyy-MM-dd); zero when nothing completed that day.</summary>
    public async Task<DayUsage> ReadAsync(string day, CancellationToken cancellationToken)
    {
        var row = await store.Table.GetEntityIfExistsAsync<TableEntity>(Partition(day), TotalRow, cancellationToken: cancellationToken);
        if (!row.HasValue)
        {
            return new DayUsage(day, 0, new BatchUsage(0, 0, 0, 0));
        }

        var total = row.Value!;
        return new DayUsage(
            day,
            total.GetInt32("Jobs") ?? 0,
            new BatchUsage(total.GetInt64("PromptTokens") ?? 0, total.GetInt64("CompletionTokens") ?? 0, total.GetInt64("TotalTokens") ?? 0, total.GetDouble("Cost") ?? 0));
    }

    /// <summary>The batch table's partition of one day's usage; see <c>src/PromptQueue.Core/Storage/README.md</c>.</summary>
    private static string Partition(string day) => "usage-" + day;

    private static string MarkerRow(string jobId) => "job|" + jobId;
}
