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
