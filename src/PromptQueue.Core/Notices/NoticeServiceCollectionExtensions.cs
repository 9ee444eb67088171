using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PromptQueue.Core.Processing;

namespace PromptQueue.Core.Notices;

/// <summary>Registers completion notices: options, the terminal-status observer and the webhook deliverer.</summary>
public static class NoticeServiceCollectionExtensions
{
    public static IServiceCollection AddPromptQueueNotices(this IServiceCollection services)
    {
        services.AddOptions<NoticeOptions>().BindConfiguration(NoticeOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<NoticeQueues>();
        services.TryAddSingleton<WebhookDeliverer>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IJobTerminalObserver, CompletionNoticeObserver>());

        // No retry handler (the notice queue is the one retry layer) and no factory loggers (they log the URL).
        // Redirects are not followed: a receiver (or whoever controls its DNS) could otherwise bounce the worker, signed
        // headers and all, to an address inside the deployment's network. A 3xx counts as a failed delivery.
        services.AddHttpClient(WebhookDeliverer.HttpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false })
            .RemoveAllLoggers();
        return services;
    }
}
