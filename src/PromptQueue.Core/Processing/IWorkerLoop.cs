namespace PromptQueue.Core.Processing;

/// <summary>
/// A loop the standalone host runs for as long as it works: the job-queue listener, and any other background duty
/// that the Functions app runs from a trigger instead (a timer, another queue).
/// </summary>
public interface IWorkerLoop
{
    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled; survives transient failures itself.</summary>
    Task RunAsync(CancellationToken cancellationToken);
}
