using Microsoft.Extensions.Hosting;
using PromptQueue.Core.Budget;

namespace PromptQueue.Core.Storage;

/// <summary>Creates the job table and queue at start, so that the first job does not pay for it or race it.</summary>
internal sealed class StorageInitializer(JobStore store, JobQueueClient queue, TableBudgetStore budget) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await store.EnsureCreatedAsync(cancellationToken);
        await queue.EnsureCreatedAsync(cancellationToken);
        await budget.EnsureCreatedAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
