using PromptQueue.Client;
using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;

namespace PromptQueue.Cli.Commands;

/// <summary><c>promptq watch ID</c>: a live status line, by long poll, until the job ends; exit 0 when it completed, 3 otherwise.</summary>
public static class WatchCommand
{
    public static async Task<int> ExecuteAsync(PromptQueueClient client, ApiArguments arguments, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(arguments);
        var line = new LiveLine(output);
        JobView view;
        try
        {
            view = await client.WaitForCompletionAsync(arguments.Target, Timeout.InfiniteTimeSpan, new LineProgress(line), cancellationToken);
        }
        finally
        {
            line.Finish();
        }

        await JobPrinter.PrintSummaryAsync(view, output, JobPrinter.JsonHint(view));
        return view.Status == JobStatus.Completed ? Promptq.ExitOk : Promptq.ExitJobsFailed;
    }

    /// <summary>Draws each round's state as it arrives; synchronous, so lines appear in order.</summary>
    private sealed class LineProgress(LiveLine line) : IProgress<JobView>
    {
        public void Report(JobView value) => line.Show(JobPrinter.StatusLine(value));
    }
}
