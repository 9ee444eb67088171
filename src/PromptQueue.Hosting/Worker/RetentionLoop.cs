using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PromptQueue.Core.Retention;

namespace PromptQueue.Hosting.Worker;

/// <summary>The standalone worker's stand-in for the Functions app's <c>RemoveExpiredJobs</c> timer: a <see cref="RetentionSweep"/> every hour.</summary>
public sealed partial class RetentionLoop(RetentionSweep retention, TimeProvider time, ILogger<RetentionLoop> logger) : BackgroundService
{
    // A storage fault: the next pass starts over from the index, where this one left every row it did not finish.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicLoop.RunAsync(retention.RemoveExpiredAsync, RetentionSweep.Interval, time, LogPassFailed, stoppingToken);

    [LoggerMessage(LogLevel.Warning, "A retention pass failed; the next one goes on from where it stopped")]
    private partial void LogPassFailed(Exception exception);
}
