using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PromptQueue.Core.Batches;

namespace PromptQueue.Hosting.Worker;

/// <summary>The standalone worker's stand-in for the <c>DispatchBatches</c> timer: a <see cref="BatchTick"/> every dispatch interval.</summary>
public sealed partial class BatchDispatchLoop(BatchTick tick, IOptions<BatchOptions> options, TimeProvider time, ILogger<BatchDispatchLoop> logger) : BackgroundService
{
    // Storage outages and the like: the next tick tries again; nothing was lost, claims lapse and recover.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicLoop.RunAsync(tick.RunAsync, options.Value.Interval, time, LogTickFailed, stoppingToken);

    [LoggerMessage(LogLevel.Warning, "A batch dispatch tick failed; the next one tries again")]
    private partial void LogTickFailed(Exception exception);
}
