using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PromptQueue.Contracts;
using PromptQueue.Core.Batches;
using PromptQueue.Core.Budget;
using PromptQueue.Core.Listing;
using PromptQueue.Core.Notices;
using PromptQueue.Core.OpenRouter;
using PromptQueue.Core.Processing;
using PromptQueue.Core.Retention;
using PromptQueue.Core.Storage;
using PromptQueue.Core.Submission;
using PromptQueue.Core.Usage;

namespace PromptQueue.Core;

/// <summary>The one place where PromptQueue's services are wired, for every host.</summary>
public static class PromptQueueServiceCollectionExtensions
{
    public static IServiceCollection AddPromptQueueCore(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<PromptQueueOptions>().BindConfiguration(PromptQueueOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<BudgetOptions>().BindConfiguration(BudgetOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<JobLimits>().BindConfiguration(JobLimits.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);

        // Tests and hosts with their own clients register them first; otherwise they come from the storage setting.
        services.TryAddSingleton(_ => StorageClients.CreateQueues(configuration, PromptQueueOptions.StorageConnectionName));
        services.TryAddSingleton(_ => StorageClients.CreateTables(configuration, PromptQueueOptions.StorageConnectionName));

        services.AddOpenRouterClient(configuration);
        services.TryAddSingleton<UnfinishedJobs>();
        services.TryAddSingleton<CreatedJobs>();
        services.TryAddSingleton<JobStore>();
        services.TryAddSingleton<JobQueueClient>();
        services.TryAddSingleton<ChatRequestFactory>();
        services.TryAddSingleton<JobLifecycle>();
        services.TryAddSingleton<ParentJobs>();
        services.TryAddSingleton<JobTerminalNotices>();
        services.TryAddSingleton<JobProcessor>();
        services.TryAddSingleton<JobSubmitter>();
        services.TryAddSingleton<JobResults>();
        services.TryAddSingleton<StrandedJobSweeper>();
        services.TryAddSingleton<RetentionSweep>();
        services.TryAddSingleton<TableBudgetStore>();
        services.TryAddSingleton<IBudgetStore>(sp => sp.GetRequiredService<TableBudgetStore>());
        services.TryAddSingleton<RequestBudget>();
        services.TryAddSingleton<IdempotencyKeys>();
        services.TryAddSingleton<JobListing>();
        services.TryAddSingleton<BatchListing>();
        services.TryAddSingleton<JobIntake>();
        services.TryAddSingleton<JobControl>();
        services.AddHostedService<StorageInitializer>();
        services.AddPromptQueueNotices();
        services.AddPromptQueueBatches();

        // Usage counts every job, direct or in a batch.
        services.TryAddSingleton<DailyUsage>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IJobTerminalObserver, DailyUsage>(sp => sp.GetRequiredService<DailyUsage>()));
        return services;
    }
}
