using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PromptQueue.Hosting.Worker;

namespace PromptQueue.Cli.Commands;

/// <summary><c>promptq work</c>: the standalone host's worker, processing the job queue until stopped, as the Functions app does.</summary>
public static class WorkCommand
{
    /// <summary>Waits while the host's workers work, until <paramref name="cancellationToken"/> fires or the host stops.</summary>
    public static async Task<int> ExecuteAsync(IServiceProvider services, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(output);
        await output.WriteLineAsync("Processing the job queue; press Ctrl+C to stop.");

        // A worker that fails stops the host (HostOptions.BackgroundServiceExceptionBehavior), which ends the wait too.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (stopping.Token.Register(() => stopped.TrySetResult()))
        {
            await stopped.Task;
        }

        // Stopped here rather than by the host afterwards, so that "Stopped." comes once the jobs in hand are settled.
        await services.GetRequiredService<StandaloneWorkers>().StopAsync();
        await output.WriteLineAsync("Stopped.");
        return Promptq.ExitOk;
    }
}
