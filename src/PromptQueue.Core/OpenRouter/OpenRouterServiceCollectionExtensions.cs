using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace PromptQueue.Core.OpenRouter;

/// <summary>Registers the OpenRouter chat client and its options.</summary>
public static class OpenRouterServiceCollectionExtensions
{
    // Lets a long-lived holder of the typed client (a singleton processor) still see DNS changes.
    private static readonly TimeSpan PooledConnectionLifetime = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Binds and validates <see cref="OpenRouterOptions"/> from the "OpenRouter" section and registers
    /// <see cref="IChatCompletionClient"/> as a typed HttpClient with no timeout of its own and no retry handler:
    /// the client enforces its own timeouts, and retries belong to the job processor alone.
    /// </summary>
    public static IServiceCollection AddOpenRouterClient(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<OpenRouterOptions>()
            .Bind(configuration.GetSection(OpenRouterOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OpenRouterOptions>, OpenRouterOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        // The factory's default loggers go too: at Trace level they hand every request header, the Authorization
        // header included, to structured log providers (only the formatted message is redacted). The client logs
        // each call itself, without the key.
        services.AddHttpClient<IChatCompletionClient, OpenRouterChatClient>(http => http.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = PooledConnectionLifetime })
            .RemoveAllLoggers();
        return services;
    }
}
