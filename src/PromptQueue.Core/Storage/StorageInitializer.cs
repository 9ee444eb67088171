using Microsoft.Extensions.Hosting;
using PromptQueue.Core.Budget;
using PromptQueue.Core.Notices;

namespace PromptQueue.Core.Storage;

/// <summary>Creates the tables and queues at start, so that the first job does not pay for them or race them.</summary>
internal sealed class StorageInitializer(JobStore store, JobQueueClient queue, TableBudgetStore budget, NoticeQueues notices) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await store.EnsureCreatedAsync(cancellationToken);
        await queue.EnsureCreatedAsync(cancellationToken);
        await budget.EnsureCreatedAsync(cancellationToken);

        // The Functions host polls the notice queue whether or not webhooks are on.
        await notices.Webhook.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
