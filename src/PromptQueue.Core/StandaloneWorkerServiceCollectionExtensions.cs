using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PromptQueue.Core.Notices;
using PromptQueue.Core.Batches;
using PromptQueue.Core.Processing;
using PromptQueue.Core.Retention;

namespace PromptQueue.Core;

/// <summary>Wires the loops a host without the Functions runtime needs in place of its triggers.</summary>
public static class StandaloneWorkerServiceCollectionExtensions
{
    /// <summary>Registers every <see cref="IWorkerLoop"/> of the standalone worker: each stands in for a Functions trigger.</summary>
    public static IServiceCollection AddPromptQueueStandaloneWorker(this IServiceCollection services)
    {
        services.AddOptions<QueueListenerOptions>().BindConfiguration(QueueListenerOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<JobQueueListener>();
        services.AddSingleton<IWorkerLoop>(sp => sp.GetRequiredService<JobQueueListener>());
        services.TryAddSingleton<NoticeQueueListener>();
        services.AddSingleton<IWorkerLoop>(sp => sp.GetRequiredService<NoticeQueueListener>());
        services.AddBatchDispatchLoop();
        services.TryAddSingleton<RetentionLoop>();
        services.AddSingleton<IWorkerLoop>(sp => sp.GetRequiredService<RetentionLoop>());
        return services;
    }
}
