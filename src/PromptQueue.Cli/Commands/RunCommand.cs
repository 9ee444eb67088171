using Microsoft.Extensions.DependencyInjection;
using PromptQueue.Contracts;
using PromptQueue.Core.Processing;
using PromptQueue.Core.Storage;
using PromptQueue.Core.Submission;

namespace PromptQueue.Cli.Commands;

/// <summary><c>promptq run FILE</c>: submits a JSONL file of jobs, works through them on the real queue, and reports.</summary>
public static class RunCommand
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>Past this, a waiting job is not worth keeping the command open for.</summary>
    private static readonly TimeSpan LongWait = TimeSpan.FromMinutes(2);

    public static async Task<int> ExecuteAsync(IServiceProvider services, string path, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (!File.Exists(path))
        {
            await errors.WriteLineAsync($"promptq: no such file: {path}");
            return Promptq.ExitUsage;
        }

        var jobIds = await SubmitAsync(services.GetRequiredService<JobSubmitter>(), path, output, errors, cancellationToken);
        if (jobIds.Count == 0)
        {
            await errors.WriteLineAsync("promptq: no valid jobs to run.");
            return Promptq.ExitJobsFailed;
        }

        using var stopListening = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var listening = services.GetRequiredService<JobQueueListener>().RunAsync(stopListening.Token);
        List<JobRecord> records;
        try
        {
            records = await WaitForAllAsync(services.GetRequiredService<JobStore>(), services.GetRequiredService<TimeProvider>(), jobIds, output, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await errors.WriteLineAsync("promptq: stopped. Unfinished jobs stay queued in storage and continue on the next run or under 'func start'.");
            throw;
        }
        finally
        {
            await stopListening.CancelAsync();
            await listening;
        }

        await ReportAsync(services.GetRequiredService<JobResults>(), records, output, cancellationToken);
        return records.All(r => r.Status == JobStatus.Completed) ? Promptq.ExitOk : Promptq.ExitJobsFailed;
    }

    private static async Task<List<string>> SubmitAsync(JobSubmitter submitter, string path, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        var jobIds = new List<string>();
        var lineNumber = 0;
        foreach (var line in await File.ReadAllLinesAsync(path, cancellationToken))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var submission = await submitter.SubmitAsync(line, JobSources.Run, cancellationToken);
            if (submission.Accepted)
            {
                jobIds.Add(submission.JobId!);
                continue;
            }

            foreach (var error in submission.Errors)
            {
                await errors.WriteLineAsync($"{path}:{lineNumber}: {error}");
            }
        }

        await output.WriteLineAsync($"Submitted {jobIds.Count} job(s) from {path} to the queue.");
        return jobIds;
    }

    /// <summary>
    /// True when every unfinished job waits well into the future (the daily limit, a paused account): staying would
    /// only hold the terminal, and the jobs are safe in storage until a host picks them up.
    /// </summary>
    private static bool AllUnfinishedWaitLong(List<JobRecord> records, DateTimeOffset now) =>
        records.Where(r => !r.Status.IsTerminal()).All(r => r.Status == JobStatus.Waiting && r.NextAttemptAt > now + LongWait);

    private static async Task<List<JobRecord>> WaitForAllAsync(JobStore store, TimeProvider time, List<string> jobIds, TextWriter output, CancellationToken cancellationToken)
    {
        var progress = new ProgressLine(output, jobIds.Count);
        while (true)
        {
            var records = new List<JobRecord>(jobIds.Count);
            foreach (var id in jobIds)
            {
                records.Add(await store.FindAsync(id, cancellationToken) ?? throw new InvalidOperationException($"Job {id} disappeared from storage."));
            }

            await progress.ShowAsync(records);
            if (records.All(r => r.Status.IsTerminal()) || AllUnfinishedWaitLong(records, time.GetUtcNow()))
            {
                await progress.FinishAsync();
                return records;
            }

            await Task.Delay(ProgressInterval, time, cancellationToken);
        }
    }

    private static async Task ReportAsync(JobResults results, List<JobRecord> records, TextWriter output, CancellationToken cancellationToken)
    {
        foreach (var record in records)
        {
            var result = await results.GetAsync(record.JobId, cancellationToken);
            await JobPrinter.PrintSummaryAsync(result!, output);
        }

        var completed = records.Count(r => r.Status == JobStatus.Completed);
        var tokens = records.Sum(r => r.TotalTokens ?? 0);
        var reasoningTokens = records.Sum(r => r.ReasoningTokens ?? 0);
        await output.WriteLineAsync();
        await output.WriteLineAsync($"Done: {completed} completed, {records.Count - completed} not completed; {tokens} tokens ({reasoningTokens} reasoning).");
        var waiting = records.Where(r => r.Status == JobStatus.Waiting).ToList();
        if (waiting.Count > 0)
        {
            var next = waiting.MinBy(r => r.NextAttemptAt)!;
            await output.WriteLineAsync(
                $"{waiting.Count} job(s) wait until {next.NextAttemptAt:u} or later ({next.WaitReason}). They stay queued in storage: " +
                "keep 'promptq work' or the Functions app running and they complete.");
        }

        await output.WriteLineAsync("See any job in full, with its whole reasoning trace: promptq show <job id>");
    }
}
