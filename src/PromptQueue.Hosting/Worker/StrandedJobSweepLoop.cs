using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PromptQueue.Core.Processing;

namespace PromptQueue.Hosting.Worker;

/// <summary>
/// The standalone worker's stand-in for the Functions app's <c>RecoverStrandedJobs</c> timer: a
/// <see cref="StrandedJobSweeper"/> sweep every <see cref="QueueListenerOptions.SweepInterval"/>.
/// </summary>
public sealed partial class StrandedJobSweepLoop(StrandedJobSweeper sweeper, IOptions<QueueListenerOptions> options, TimeProvider time, ILogger<StrandedJobSweepLoop> logger) : BackgroundService
{
    // Stopped mid-sweep, or a sweep failed: the next one starts over, since every step of one is idempotent.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicLoop.RunAsync(sweeper.SweepAsync, options.Value.SweepInterval, time, LogSweepFailed, stoppingToken);

    [LoggerMessage(LogLevel.Warning, "Looking for stranded jobs failed; trying again at the next sweep")]
    private partial void LogSweepFailed(Exception exception);
}
