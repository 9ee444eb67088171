using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace PromptQueue.Hosting.Worker;

/// <summary>Who starts the standalone host's workers.</summary>
public enum WorkerStart
{
    /// <summary>The host, as hosted services: they work for as long as it runs (<c>promptq work</c> and <c>serve</c>).</summary>
    WithHost,

    /// <summary>The command, through <see cref="StandaloneWorkers"/>: they work for part of its run (<c>promptq run</c>).</summary>
    ByCaller,
}

/// <summary>
/// The standalone host's workers, each standing in for one of the Functions app's triggers, started and stopped
/// together: <c>promptq run</c> starts them once its batch is stored and stops them once it is settled, before its
/// report; <c>promptq work</c> stops them before it says it has stopped.
/// </summary>
public sealed class StandaloneWorkers(
    JobQueueListener jobs,
    NoticeQueueListener notices,
    BatchDispatchLoop batches,
    RetentionLoop retention,
    StrandedJobSweepLoop strandedJobs,
    IOptions<HostOptions> hostOptions,
    TimeProvider time)
{
    private readonly BackgroundService[] _all = [jobs, notices, batches, retention, strandedJobs];

    /// <summary>The job-queue listener, whose jobs in hand a stop waits for.</summary>
    public JobQueueListener Jobs => jobs;

    /// <summary>How long a stop lets the jobs in hand run on before they are cancelled and handed back.</summary>
    public TimeSpan ShutdownTimeout => hostOptions.Value.ShutdownTimeout;

    /// <summary>Starts every worker; only for workers registered with <see cref="WorkerStart.ByCaller"/>, which the host does not start.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var worker in _all)
        {
            await worker.StartAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Stops every worker as the host stops its services, within <see cref="HostOptions.ShutdownTimeout"/>: jobs in
    /// hand may finish until then, and are handed back after. Then throws what made a worker fail, if one did, as
    /// awaiting its loop would: a failure must not pass for a clean stop.
    /// </summary>
    public async Task StopAsync()
    {
        using var timeout = new CancellationTokenSource(ShutdownTimeout, time);
        await Task.WhenAll(_all.Select(worker => worker.StopAsync(timeout.Token)));
        foreach (var worker in _all)
        {
            if (worker.ExecuteTask is { IsFaulted: true } failed)
            {
                await failed;
            }
        }
    }
}
