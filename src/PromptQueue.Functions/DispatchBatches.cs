using Microsoft.Azure.Functions.Worker;
using PromptQueue.Core.Batches;

namespace PromptQueue.Functions;

/// <summary>Each tick: creates the batches of due schedules, then releases batch items at the shared budget's pace.</summary>
public sealed class DispatchBatches(BatchTick tick)
{
    /// <summary>An app setting, so a deployment can tick more or less often; keep PromptQueue:Batches:DispatchInterval equal to its period.</summary>
    public const string Schedule = "%" + AppSettingsCheck.DispatchSchedule + "%";

    [Function(nameof(DispatchBatches))]
    public Task<DispatchResult> Run([TimerTrigger(Schedule)] TimerInfo timer, CancellationToken cancellationToken) =>
        tick.RunAsync(cancellationToken);
}
