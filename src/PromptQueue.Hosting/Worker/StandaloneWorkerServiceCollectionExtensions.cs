using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace PromptQueue.Hosting.Worker;

/// <summary>Wires the workers a host without the Functions runtime needs in place of its triggers.</summary>
public static class StandaloneWorkerServiceCollectionExtensions
{
    /// <summary>
    /// The documented name of the shutdown grace from before it was the host's own shutdown timeout: when set, it
    /// sets <see cref="HostOptions.ShutdownTimeout"/>, so existing settings keep working.
    /// </summary>
    public const string ShutdownGraceSetting = QueueListenerOptions.SectionName + ":ShutdownGrace";

    /// <summary>
    /// Registers the standalone worker: the job-queue listener, the notice listener, the batch dispatcher, the
    /// retention pass and the stranded-job sweep, each a <see cref="BackgroundService"/> standing in for a Functions
    /// trigger, and <see cref="StandaloneWorkers"/> to stop them together.
    /// </summary>
    /// <param name="services">The host's services, with PromptQueue's core services.</param>
    /// <param name="start">Whether the host starts the workers, or the caller does through <see cref="StandaloneWorkers"/>.</param>
    public static IServiceCollection AddPromptQueueStandaloneWorker(this IServiceCollection services, WorkerStart start = WorkerStart.WithHost)
    {
        services.AddJobQueueListener();
        services.TryAddSingleton<NoticeQueueListener>();
        services.TryAddSingleton<BatchDispatchLoop>();
        services.TryAddSingleton<RetentionLoop>();
        services.TryAddSingleton<StrandedJobSweepLoop>();
        services.TryAddSingleton<StandaloneWorkers>();
        services.AddOptions<HostOptions>().Configure<IConfiguration>(UseShutdownGraceSetting);
        if (start == WorkerStart.WithHost)
        {
            services.AddHostedService(sp => sp.GetRequiredService<JobQueueListener>());
            services.AddHostedService(sp => sp.GetRequiredService<NoticeQueueListener>());
            services.AddHostedService(sp => sp.GetRequiredService<BatchDispatchLoop>());
            services.AddHostedService(sp => sp.GetRequiredService<RetentionLoop>());
            services.AddHostedService(sp => sp.GetRequiredService<StrandedJobSweepLoop>());
        }

        return services;
    }

    /// <summary>
    /// Registers the <see cref="JobQueueListener"/> alone, for a caller that starts and stops it itself, and its
    /// <see cref="QueueListenerOptions"/>: host.json's queue settings, then the Functions host's app-setting overrides
    /// of them, then <c>PromptQueue:Listener:*</c>.
    /// </summary>
    public static IServiceCollection AddJobQueueListener(this IServiceCollection services)
    {
        services.AddOptions<QueueListenerOptions>()
            .Configure<IConfiguration>((options, configuration) => options.UseFunctionsHostSettings(FunctionsQueueSettings.Read(configuration)))
            .BindConfiguration(QueueListenerOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<JobQueueListener>();
        return services;
    }

    private static void UseShutdownGraceSetting(HostOptions host, IConfiguration configuration)
    {
        if (configuration[ShutdownGraceSetting] is not { Length: > 0 } text)
        {
            return;
        }

        host.ShutdownTimeout = TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var grace) && grace >= TimeSpan.Zero
            ? grace
            : throw new OptionsValidationException(
                ShutdownGraceSetting,
                typeof(HostOptions),
                [$"{ShutdownGraceSetting} must be a time span such as 00:00:30, not '{text}'."]);
    }
}
