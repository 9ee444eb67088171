using Microsoft.Extensions.Logging;
using PromptQueue.Core.Storage;

namespace PromptQueue.Core.Processing;

/// <summary>Something that wants to know when a job has reached a terminal status: completion notices, batch progress.</summary>
/// <remarks>
/// Called after the terminal status is stored, at least once per terminal transition (a crash between the write and
/// the call can repeat it on redelivery, so observers must be idempotent). An observer's failure never undoes or
/// delays the job's own result.
/// </remarks>
public interface IJobTerminalObserver
{
    /// <summary>The job's record as stored, with its terminal status.</summary>
    Task OnTerminalAsync(JobRecord record, CancellationToken cancellationToken);
}

/// <summary>Tells every registered <see cref="IJobTerminalObserver"/> that a job is finished, and contains their failures.</summary>
public sealed partial class JobTerminalNotices(IEnumerable<IJobTerminalObserver> observers, ILogger<JobTerminalNotices> logger)
{
    private readonly IJobTerminalObserver[] _observers = [.. observers];

    public async Task PublishAsync(JobRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        foreach (var observer in _observers)
        {
            try
            {
                await observer.OnTerminalAsync(record, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogObserverFailed(ex, observer.GetType().Name, record.JobId, record.Status.ToString());
            }
        }
    }

    [LoggerMessage(LogLevel.Warning, "{Observer} failed for job {JobId} ({Status}); the job's result stands")]
    private partial void LogObserverFailed(Exception exception, string observer, string jobId, string status);
}
