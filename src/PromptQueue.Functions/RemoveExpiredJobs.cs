using Microsoft.Azure.Functions.Worker;
using PromptQueue.Core.Retention;

namespace PromptQueue.Functions;

/// <summary>Every hour, removes finished jobs and batches older than <c>PromptQueue:Retention:Days</c>; does nothing when that is unset.</summary>
public sealed class RemoveExpiredJobs(RetentionSweep retention)
{
    /// <summary>
    /// A fixed cadence, as <see cref="RecoverStrandedJobs"/> has, and <see cref="RetentionSweep.Interval"/> in the
    /// standalone host: see there why it is not an app setting. At half past, away from the sweep's ticks.
    /// </summary>
    public const string Schedule = "0 30 * * * *";

    [Function(nameof(RemoveExpiredJobs))]
    public Task<RetentionResult> Run([TimerTrigger(Schedule)] TimerInfo timer, CancellationToken cancellationToken) =>
        retention.RemoveExpiredAsync(cancellationToken);
}
