using PromptQueue.Client;

namespace PromptQueue.Cli.Commands;

/// <summary><c>promptq status ID</c>: one job as the API shows it, as a summary or (<c>--json</c>) as its JobView.</summary>
public static class StatusCommand
{
    public static async Task<int> ExecuteAsync(PromptQueueClient client, ApiArguments arguments, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(errors);
        var view = await client.GetAsync(arguments.Target, cancellationToken);
        if (view is null)
        {
            await errors.WriteLineAsync($"promptq: no job '{arguments.Target}' at {arguments.Url}.");
            return Promptq.ExitUsage;
        }

        await (arguments.Json ? JobPrinter.PrintJsonAsync(view, output) : JobPrinter.PrintSummaryAsync(view, output, JobPrinter.JsonHint(view)));
        return Promptq.ExitOk;
    }
}
