using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PromptQueue.Core.Processing;

namespace PromptQueue.Core.Batches;

/// <summary>Wires bulk processing: batch store, submission, dispatcher, schedules and the progress observer.</summary>
public static class BatchServiceCollectionExtensions
{
    public static IServiceCollection AddPromptQueueBatches(this IServiceCollection services)
    {
        services.AddOptions<BatchOptions>().BindConfiguration(BatchOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<BatchSchedulesOptions>().BindConfiguration(BatchSchedulesOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BatchSchedulesOptions>, BatchSchedulesValidator>());
        services.TryAddSingleton<BatchStore>();
        services.TryAddSingleton<BatchSubmitter>();
        services.TryAddSingleton<BatchDispatcher>();
        services.TryAddSingleton<BatchScheduler>();
        services.TryAddSingleton<BatchTick>();
        services.TryAddSingleton<BatchExporter>();
        services.TryAddSingleton<BatchControl>();
        services.TryAddSingleton<BatchProgress>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IJobTerminalObserver, BatchProgress>(sp => sp.GetRequiredService<BatchProgress>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IJobRetryObserver, BatchProgress>(sp => sp.GetRequiredService<BatchProgress>()));
        services.AddHostedService<BatchStorageInitializer>();
        return services;
    }

    /// <summary>Creates the batch table at start, as the job table is.</summary>
    private sealed class BatchStorageInitializer(BatchStore store) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => store.EnsureCreatedAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
