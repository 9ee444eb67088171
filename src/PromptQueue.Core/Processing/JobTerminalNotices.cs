using Azure;
using Microsoft.Extensions.Logging;
using PromptQueue.Core.Storage;

namespace PromptQueue.Core.Processing;

/// <summary>Something that wants to know when a job has reached a terminal status: completion notices, batch progress.</summary>
/// <remarks>
/// Called after the terminal status is stored, at least once per terminal transition: a stop or a fault before every
/// observer has seen it leaves <see cref="JobRecord.NoticesPendingSince"/> set, and the stranded-job sweep publishes
/// the job again. Observers must therefore be idempotent, and should throw when they could not do their part, so the
/// job is published again. An observer's failure never undoes or delays the job's own result.
/// </remarks>
public interface IJobTerminalObserver
{
    /// <summary>The job's record as stored, with its terminal status.</summary>
    Task OnTerminalAsync(JobRecord record, CancellationToken cancellationToken);
}

/// <summary>Tells every registered <see cref="IJobTerminalObserver"/> that a job is finished, and contains their failures.</summary>
public sealed partial class JobTerminalNotices(IEnumerable<IJobTerminalObserver> observers, JobStore store, TimeProvider time, ILogger<JobTerminalNotices> logger)
{
    /// <summary>How long one publication may take.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly IJobTerminalObserver[] _observers = [.. observers];

    /// <summary>
    /// Tells every observer, then clears the job's pending mark. It takes no cancellation token on purpose: the
    /// terminal status is already stored, so a stopping host finishes telling (within <see cref="Timeout"/>) rather
    /// than leave the job half-published; whatever fails is published again by the sweep.
    /// </summary>
    public async Task PublishAsync(JobRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        using var timeout = new CancellationTokenSource(Timeout, time);
        var everyoneKnows = true;
        foreach (var observer in _observers)
        {
            try
            {
                await observer.OnTerminalAsync(record, timeout.Token);
            }
            catch (Exception ex)
            {
                everyoneKnows = false;
                LogObserverFailed(ex, observer.GetType().Name, record.JobId, record.Status.ToString());
            }
        }

        if (!everyoneKnows || record.NoticesPendingSince is null)
        {
            return;
        }

        record.NoticesPendingSince = null;
        try
        {
            // A conflict means the job changed since (a retry): nothing is left to clear, or the sweep sees it again.
            await store.TryUpdateAsync(record, timeout.Token);
        }
        catch (Exception ex) when (ex is RequestFailedException or OperationCanceledException)
        {
            LogClearFailed(ex, record.JobId);
        }
    }

    [LoggerMessage(LogLevel.Warning, "{Observer} failed for job {JobId} ({Status}); the job's result stands, and the sweep publishes it again")]
    private partial void LogObserverFailed(Exception exception, string observer, string jobId, string status);

    [LoggerMessage(LogLevel.Information, "Job {JobId}: every observer has its terminal status, but the mark saying so was not cleared; the sweep publishes it again, harmlessly")]
    private partial void LogClearFailed(Exception exception, string jobId);
}
