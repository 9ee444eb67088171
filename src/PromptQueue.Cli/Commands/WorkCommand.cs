using Microsoft.Extensions.DependencyInjection;
using PromptQueue.Core.Processing;

namespace PromptQueue.Cli.Commands;

/// <summary><c>promptq work</c>: the standalone host's worker, processing the job queue until stopped, as the Functions app does.</summary>
public static class WorkCommand
{
    public static async Task<int> ExecuteAsync(IServiceProvider services, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(output);
        await output.WriteLineAsync("Processing the job queue; press Ctrl+C to stop.");
        await Task.WhenAll(services.GetServices<IWorkerLoop>().Select(loop => loop.RunAsync(cancellationToken)));
        await output.WriteLineAsync("Stopped.");
        return Promptq.ExitOk;
    }
}
