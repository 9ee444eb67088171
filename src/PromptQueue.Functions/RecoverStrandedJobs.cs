using Microsoft.Azure.Functions.Worker;
using PromptQueue.Core.Processing;

namespace PromptQueue.Functions;

/// <summary>Every five minutes, re-queues Running jobs whose claim lapsed long ago and that no message will bring back.</summary>
public sealed class RecoverStrandedJobs(StrandedJobSweeper sweeper)
{
    /// <summary>
    /// A fixed maintenance cadence rather than an app setting: it only bounds how late a rare stranded job is noticed,
    /// and a missing setting would stop the whole app from starting.
    /// </summary>
    public const string Schedule = "0 */5 * * * *";

    [Function(nameof(RecoverStrandedJobs))]
    public Task<int> Run([TimerTrigger(Schedule)] TimerInfo timer, CancellationToken cancellationToken) =>
        sweeper.SweepAsync(cancellationToken);
}
