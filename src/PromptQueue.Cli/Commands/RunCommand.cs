using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PromptQueue.Contracts;
using PromptQueue.Core.Batches;
using PromptQueue.Core.Budget;
using PromptQueue.Core.Storage;
using PromptQueue.Hosting.Worker;

namespace PromptQueue.Cli.Commands;

/// <summary>
/// <c>promptq run FILE</c>: submits a JSONL file as a batch, works through it with the standalone worker (the queue
/// listener and the batch dispatcher among its services), shows progress from the batch header, and prints the results
/// in input order.
/// </summary>
public static class RunCommand
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>Past this, a wait is not worth keeping the command open for.</summary>
    private static readonly TimeSpan LongWait = TimeSpan.FromMinutes(2);

    public static async Task<int> ExecuteAsync(IServiceProvider services, string path, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(output);
        if (!File.Exists(path))
        {
            await errors.WriteLineAsync($"promptq: no such file: {path}");
            return Promptq.ExitUsage;
        }

        // Invalid lines are reported and skipped, so one typo does not hold up the rest of a local run.
        var submission = await BatchCommand.SubmitFileAsync(services, path, new BatchSubmitRequest { SkipInvalidItems = true }, errors, cancellationToken);
        if (submission?.Header is not { } submitted)
        {
            await errors.WriteLineAsync("promptq: no valid jobs to run.");
            return Promptq.ExitJobsFailed;
        }

        var skipped = submission.InvalidItems;
        await output.WriteLineAsync($"Submitted {submitted.Items} job(s) from {path} to the queue as batch {submitted.BatchId}{(skipped > 0 ? $"; skipped {skipped} invalid line(s), listed above" : "")}.");
        // The workers start only now that the batch is stored, and stop once it is settled, before the report.
        var workers = services.GetRequiredService<StandaloneWorkers>();
        await workers.StartAsync(cancellationToken);
        BatchHeader header;
        try
        {
            header = await WaitAsync(services, submitted, output, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await errors.WriteLineAsync($"promptq: stopped. Batch {submitted.BatchId} stays in storage and continues under 'promptq work' or the Functions app.");
            throw;
        }
        finally
        {
            await workers.StopAsync();
        }

        return await ReportAsync(services, header, skipped, output, cancellationToken);
    }

    private static async Task<BatchHeader> WaitAsync(IServiceProvider services, BatchHeader submitted, TextWriter output, CancellationToken cancellationToken)
    {
        var control = services.GetRequiredService<BatchControl>();
        var budget = services.GetRequiredService<RequestBudget>();
        var budgetOptions = services.GetRequiredService<IOptions<BudgetOptions>>().Value;
        var time = services.GetRequiredService<TimeProvider>();
        var progress = new ProgressLine(output, submitted.Items);
        while (true)
        {
            var header = await control.FindAsync(submitted.BatchId, cancellationToken) ?? throw new InvalidOperationException($"Batch {submitted.BatchId} disappeared from storage.");
            await progress.ShowAsync(await control.ViewAsync(header, cancellationToken));
            if (header.Settled >= header.Items || WaitsLong(await budget.ReadAsync(cancellationToken), budgetOptions, time.GetUtcNow()))
            {
                await progress.FinishAsync();
                return header;
            }

            await Task.Delay(ProgressInterval, time, cancellationToken);
        }
    }

    /// <summary>
    /// True when the budget holds every request back for long (the daily limit, a paused account, a long 429 block):
    /// staying would only hold the terminal, and the batch is safe in storage until a host picks it up.
    /// </summary>
    private static bool WaitsLong(BudgetState state, BudgetOptions options, DateTimeOffset now) =>
        BatchPace.ReleaseBlockedUntil(state, options, now) > now + LongWait || state.BlockedUntil > now + LongWait;

    private static async Task<int> ReportAsync(IServiceProvider services, BatchHeader header, int skipped, TextWriter output, CancellationToken cancellationToken)
    {
        var reasoningTokens = 0;
        var waiting = new List<JobRecord>();
        await foreach (var row in services.GetRequiredService<BatchExporter>().ReadAsync(header, withReasoning: true, cancellationToken))
        {
            if (row.Record is not { } record)
            {
                continue;
            }

            reasoningTokens += record.ReasoningTokens ?? 0;
            if (record.Status == JobStatus.Waiting)
            {
                waiting.Add(record);
            }

            // A blank line between jobs: run prints many.
            await output.WriteLineAsync();
            await JobPrinter.PrintSummaryAsync(JobViews.From(record, row.Answer, toolCallsJson: null), output, $"promptq show {record.JobId}", row.Item.CustomId, row.Reasoning, wholeAnswer: true);
        }

        await output.WriteLineAsync();
        await output.WriteLineAsync(
            $"Done: {header.Completed} completed, {header.Items - header.Completed} not completed{(skipped > 0 ? $", {skipped} line(s) skipped as invalid" : "")}; " +
            $"{header.TotalTokens} tokens ({reasoningTokens} reasoning).");
        if (header.Pending > 0 || waiting.Count > 0)
        {
            var budget = BudgetViews.From(await services.GetRequiredService<RequestBudget>().ReadAsync(cancellationToken), services.GetRequiredService<TimeProvider>().GetUtcNow(), services.GetRequiredService<IOptions<BudgetOptions>>().Value);
            foreach (var hold in BudgetHolds.Describe(budget))
            {
                await output.WriteLineAsync(hold);
            }
        }

        if (header.Pending > 0)
        {
            await output.WriteLineAsync($"{header.Pending} job(s) are not released yet: the shared budget holds them back. Batch {header.BatchId} continues under 'promptq work' or the Functions app.");
        }

        if (waiting.MinBy(r => r.NextAttemptAt) is { } next)
        {
            await output.WriteLineAsync(
                $"{waiting.Count} job(s) wait until {next.NextAttemptAt:u} or later ({next.WaitReason}). They stay queued in storage: " +
                "keep 'promptq work' or the Functions app running and they complete.");
        }

        await output.WriteLineAsync($"See any job in full, with its whole reasoning trace: promptq show <job id or name>. All results as JSONL: promptq batch results {header.BatchId}");
        // A skipped line is a job the user asked for and did not get: the run did not do everything.
        return header.Completed == header.Items && skipped == 0 ? Promptq.ExitOk : Promptq.ExitJobsFailed;
    }
}
