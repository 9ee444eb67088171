using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using PromptQueue.Client;

// Microsoft.Extensions.DependencyInjection, where AddHttpClient and the other Add... methods are, so that the method is
// found without another using.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="PromptQueueClient"/> as a typed <see cref="HttpClient"/> client with validated options.</summary>
public static class PromptQueueServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="PromptQueueClient"/> with options bound from the configuration section
    /// <see cref="PromptQueueClientOptions.SectionName"/> (<c>PromptQueue:Client</c>) and validated when the host starts.
    /// </summary>
    /// <returns>The client's <see cref="IHttpClientBuilder"/>, to add handlers such as a resilience handler.</returns>
    public static IHttpClientBuilder AddPromptQueueClient(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return AddPromptQueueClient(services, options => options.BindConfiguration(PromptQueueClientOptions.SectionName));
    }

    /// <summary>Registers <see cref="PromptQueueClient"/> with options bound from <paramref name="section"/> and validated when the host starts.</summary>
    /// <param name="services">The services.</param>
    /// <param name="section">The options' section, usually <c>configuration.GetSection(PromptQueueClientOptions.SectionName)</c>.</param>
    /// <returns>The client's <see cref="IHttpClientBuilder"/>, to add handlers such as a resilience handler.</returns>
    public static IHttpClientBuilder AddPromptQueueClient(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        return AddPromptQueueClient(services, options => options.Bind(section));
    }

    /// <summary>Registers <see cref="PromptQueueClient"/> with options set by <paramref name="configure"/> and validated when the host starts.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options, for example <c>options.BaseAddress = new Uri("http://127.0.0.1:7071")</c>.</param>
    /// <returns>The client's <see cref="IHttpClientBuilder"/>, to add handlers such as a resilience handler.</returns>
    public static IHttpClientBuilder AddPromptQueueClient(this IServiceCollection services, Action<PromptQueueClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        return AddPromptQueueClient(services, options => options.Configure(configure));
    }

    private static IHttpClientBuilder AddPromptQueueClient(IServiceCollection services, Action<OptionsBuilder<PromptQueueClientOptions>> source)
    {
        var options = services.AddOptions<PromptQueueClientOptions>();
        source(options);
        options.ValidateDataAnnotations().ValidateOnStart();

        // A registered TimeProvider (a FakeTimeProvider in tests) drives the waits; otherwise the system clock.
        return services.AddHttpClient<PromptQueueClient, PromptQueueClient>((http, provider) => new PromptQueueClient(
            http, provider.GetRequiredService<IOptions<PromptQueueClientOptions>>().Value, provider.GetService<TimeProvider>()));
    }
}
