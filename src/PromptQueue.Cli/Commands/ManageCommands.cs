using System.Globalization;
using System.Text.Json;
using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;

namespace PromptQueue.Cli.Commands;

/// <summary>
/// <c>cancel</c>, <c>retry</c>, <c>budget</c>, <c>usage</c> and <c>batch status|cancel|retry-failed</c>: the same output
/// whether they ran on local storage or against a running app.
/// </summary>
public static class ManageCommands
{
    private static readonly JsonSerializerOptions Indented = new(ContractJson.Options) { WriteIndented = true };

    public static async Task<int> CancelJobAsync(IPromptQueueBackend backend, string jobId, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(backend);
        var view = await backend.CancelJobAsync(jobId, cancellationToken);
        await JobPrinter.PrintSummaryAsync(view, output, JobPrinter.JsonHint(view));
        return Promptq.ExitOk;
    }

    public static async Task<int> RetryJobAsync(IPromptQueueBackend backend, string jobId, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(output);
        var accepted = await backend.RetryJobAsync(jobId, cancellationToken);
        await output.WriteLineAsync($"{accepted.Id}: {accepted.Status}; it runs again with fresh attempts while a worker runs.");
        return Promptq.ExitOk;
    }

    public static async Task<int> BudgetAsync(IPromptQueueBackend backend, TextWriter output, bool json, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(output);
        var answer = await backend.GetBudgetAsync(cancellationToken);
        if (json)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(answer, Indented));
            return Promptq.ExitOk;
        }

        var budget = answer.Deserialize<BudgetView>(ContractJson.Options)!;
        await output.WriteLineAsync($"Today ({budget.Day} UTC): {budget.RequestsUsedToday} of {budget.RequestsPerDay} requests used, {budget.RequestsRemainingToday} left; resets at {Time(budget.DayResetsAt)}.");
        await output.WriteLineAsync($"This minute: {budget.RequestsStartedLastMinute} started in the last minute, {budget.RequestsRemainingThisMinute} of {budget.RequestsPerMinute} could start now, {budget.RequestsReserved} reserved by waiting jobs; next free slot at {Time(budget.NextSlotAt)}.");
        if (budget.Lanes is { } lanes)
        {
            await output.WriteLineAsync(
                $"Lanes{(budget.InteractiveWaiting ? " (an interactive job waits)" : "")}: interactive {lanes.Interactive.StartedLastMinute} started, {lanes.Interactive.Reserved} reserved; " +
                $"bulk {lanes.Bulk.StartedLastMinute} started, {lanes.Bulk.Reserved} reserved, up to {lanes.Bulk.RequestsPerMinute} a minute and {lanes.Bulk.RequestsPerDay} today.");
        }

        foreach (var hold in BudgetHolds.Describe(budget))
        {
            await output.WriteLineAsync(hold);
        }

        return Promptq.ExitOk;
    }

    public static async Task<int> UsageAsync(IPromptQueueBackend backend, DateOnly? day, TextWriter output, bool json, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(output);
        var answer = await backend.GetUsageAsync(day, cancellationToken);
        if (json)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(answer, Indented));
            return Promptq.ExitOk;
        }

        var jobs = answer.GetProperty("jobs").GetInt32();
        var usage = answer.GetProperty("usage").Deserialize<BatchUsage>(ContractJson.Options)!;
        await output.WriteLineAsync(
            $"{answer.GetProperty("day").GetString()} (UTC): {jobs} job(s) completed, {usage.TotalTokens} tokens ({usage.PromptTokens} prompt, {usage.CompletionTokens} completion), cost {usage.Cost.ToString("0.######", CultureInfo.InvariantCulture)}");
        return Promptq.ExitOk;
    }

    public static async Task<int> BatchStatusAsync(IPromptQueueBackend backend, string batchId, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(backend);
        var view = await backend.GetBatchAsync(batchId, cancellationToken)
            ?? throw new Client.PromptQueueApiException(new ApiProblem("about:blank", "No such batch", 404, $"no batch '{batchId}' exists"), responseBody: null);
        await PrintBatchAsync(view, output);
        return Promptq.ExitOk;
    }

    public static async Task<int> CancelBatchAsync(IPromptQueueBackend backend, string batchId, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(backend);
        await PrintBatchAsync(await backend.CancelBatchAsync(batchId, cancellationToken), output);
        return Promptq.ExitOk;
    }

    public static async Task<int> RetryFailedAsync(IPromptQueueBackend backend, string batchId, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(backend);
        await PrintBatchAsync(await backend.RetryFailedAsync(batchId, cancellationToken), output);
        return Promptq.ExitOk;
    }

    public static async Task<int> ListJobsAsync(IPromptQueueBackend backend, Core.Listing.ListParameters parameters, bool json, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(output);
        var page = await backend.ListJobsAsync(parameters, cancellationToken);
        if (json)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(page, Indented));
            return Promptq.ExitOk;
        }

        foreach (var job in page.Items)
        {
            await output.WriteLineAsync($"{job.Id,-34} {job.Status,-12} {Time(job.CreatedAt)}  {job.Model ?? "-"}{(job.Name is null ? "" : $"  name {job.Name}")}{(job.BatchId is null ? "" : $"  batch {job.BatchId}")}");
        }

        await PrintMoreAsync(page.Items.Count, "jobs", page.Continuation, output);
        return Promptq.ExitOk;
    }

    public static async Task<int> ListBatchesAsync(IPromptQueueBackend backend, Core.Listing.ListParameters parameters, bool json, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(output);
        var page = await backend.ListBatchesAsync(parameters, cancellationToken);
        if (json)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(page, Indented));
            return Promptq.ExitOk;
        }

        foreach (var batch in page.Items)
        {
            var done = (int)Math.Round(batch.Progress * batch.Items);
            await output.WriteLineAsync($"{batch.Id,-34} {batch.Status,-12} {Time(batch.CreatedAt)}  {done}/{batch.Items} done");
        }

        await PrintMoreAsync(page.Items.Count, "batches", page.Continuation, output);
        return Promptq.ExitOk;
    }

    private static async Task PrintMoreAsync(int count, string what, string? continuation, TextWriter output)
    {
        if (count == 0)
        {
            await output.WriteLineAsync($"No {what} match.");
        }

        if (continuation is not null)
        {
            await output.WriteLineAsync($"More: add --continuation {continuation}");
        }
    }

    /// <summary>A batch's header line, progress bar and usage: what <c>batch status</c> prints.</summary>
    internal static async Task PrintBatchAsync(BatchView view, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentNullException.ThrowIfNull(output);
        await output.WriteLineAsync($"{view.Id}  {view.Status}{(view.Schedule is null ? "" : $"  schedule {view.Schedule}")}  created {view.CreatedAt:u}{(view.CompletedAt is { } done ? $"  completed {done:u}" : "")}");
        await new ProgressLine(output, view.Items).ShowAsync(view);
        await output.WriteLineAsync($"Usage: {view.Usage.TotalTokens} tokens ({view.Usage.PromptTokens} prompt, {view.Usage.CompletionTokens} completion), cost {view.Usage.Cost:0.######}");
    }

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}

/// <summary>Why the budget holds work back, and until when, in words: for <c>budget</c>, <c>run</c> and <c>watch</c>.</summary>
public static class BudgetHolds
{
    public static IEnumerable<string> Describe(BudgetView budget)
    {
        ArgumentNullException.ThrowIfNull(budget);
        if (budget.Paused)
        {
            yield return $"Paused until {Time(budget.PausedUntil)}: {budget.PauseReason ?? "no reason recorded"}.";
        }

        if (budget.BlockedUntil is { } blocked)
        {
            yield return $"Held back until {Time(blocked)}: the provider answered 429 (too many requests).";
        }

        if (budget.DayBlockedUntil is { } dayBlocked)
        {
            yield return $"No requests left today: the daily limit holds work back until {Time(dayBlocked)}.";
        }
        else if (budget.RequestsRemainingToday == 0)
        {
            yield return $"No requests left today: the daily limit of {budget.RequestsPerDay} holds work back until {Time(budget.DayResetsAt)}.";
        }
    }

    private static string Time(DateTimeOffset? at) => at is { } value ? value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) : "further notice";
}
