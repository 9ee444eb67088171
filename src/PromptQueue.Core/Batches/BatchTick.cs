using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PromptQueue.Core.Processing;

namespace PromptQueue.Core.Batches;

/// <summary>One tick of batch work, the same for both hosts: create due scheduled batches, then release items.</summary>
public sealed class BatchTick(BatchScheduler scheduler, BatchDispatcher dispatcher)
{
    public async Task<DispatchResult> RunAsync(CancellationToken cancellationToken)
    {
        await scheduler.CreateDueAsync(cancellationToken);
        return await dispatcher.DispatchAsync(cancellationToken);
    }
}

/// <summary>The standalone worker's stand-in for the <c>DispatchBatches</c> timer: a tick every dispatch interval.</summary>
public sealed partial class BatchDispatchLoop(BatchTick tick, IOptions<BatchOptions> options, TimeProvider time, ILogger<BatchDispatchLoop> logger) : IWorkerLoop
{
    // Storage outages and the like: the next tick tries again; nothing was lost, claims lapse and recover.
    public Task RunAsync(CancellationToken cancellationToken) =>
        PeriodicLoop.RunAsync(tick.RunAsync, options.Value.Interval, time, LogTickFailed, cancellationToken);

    [LoggerMessage(LogLevel.Warning, "A batch dispatch tick failed; the next one tries again")]
    private partial void LogTickFailed(Exception exception);
}
