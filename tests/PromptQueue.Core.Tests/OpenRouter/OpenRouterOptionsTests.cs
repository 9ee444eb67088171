using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PromptQueue.Core.OpenRouter;

namespace PromptQueue.Core.Tests.OpenRouter;

public sealed class OpenRouterOptionsTests
{
    [Fact]
    public void Defaults_NewOptions_MatchTheFreeTierSetup()
    {
        // Arrange / Act
        var options = new OpenRouterOptions();

        // Assert
        Assert.Equal(new Uri("https://openrouter.ai/api/v1/"), options.BaseUrl);
        Assert.Equal("openai/gpt-oss-120b:free", options.DefaultModel);
        Assert.Equal(TimeSpan.FromMinutes(15), options.RequestTimeout);
        Assert.Equal(TimeSpan.FromMinutes(2), options.IdleTimeout);
        Assert.Equal("OpenRouter", OpenRouterOptions.SectionName);
    }

    [Fact]
    public void ToString_WithApiKey_DoesNotRevealIt()
    {
        // Arrange
        var options = new OpenRouterOptions { ApiKey = TestClients.ApiKey };

        // Act
        var text = options.ToString();

        // Assert
        Assert.DoesNotContain(TestClients.ApiKey, text, StringComparison.Ordinal);
        Assert.Contains("ApiKey = set", text, StringComparison.Ordinal);
    }

    [Fact]
    public void AddOpenRouterClient_ValidSection_BindsOptionsAndResolvesTheClient()
    {
        // Arrange
        using var provider = BuildProvider(new()
        {
            ["OpenRouter:ApiKey"] = TestClients.ApiKey,
            ["OpenRouter:DefaultModel"] = "openrouter/free",
            ["OpenRouter:IdleTimeout"] = "00:00:30",
        });

        // Act
        var options = provider.GetRequiredService<IOptions<OpenRouterOptions>>().Value;
        var client = provider.GetRequiredService<IChatCompletionClient>();

        // Assert
        Assert.IsType<OpenRouterChatClient>(client);
        Assert.Equal("openrouter/free", options.DefaultModel);
        Assert.Equal(TimeSpan.FromSeconds(30), options.IdleTimeout);
        Assert.Same(TimeProvider.System, provider.GetRequiredService<TimeProvider>());
    }

    [Theory]
    [InlineData("OpenRouter:IdleTimeout", "00:00:00")]
    [InlineData("OpenRouter:RequestTimeout", "2.00:00:00")]
    [InlineData("OpenRouter:DefaultModel", "")]
    [InlineData("OpenRouter:BaseUrl", "ftp://openrouter.ai/api/v1/")]
    [InlineData("OpenRouter:IdleTimeout", "00:20:00")]
    [InlineData("OpenRouter:Title", "Prompt\u00e9Queue")]
    public void AddOpenRouterClient_BadValue_FailsValidation(string key, string value)
    {
        // Arrange
        using var provider = BuildProvider(new() { [key] = value, ["OpenRouter:RequestTimeout"] = key.EndsWith("RequestTimeout", StringComparison.Ordinal) ? value : "00:10:00" });

        // Act
        var exception = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<OpenRouterOptions>>().Value);

        // Assert
        Assert.NotEmpty(exception.Failures);
    }

    [Fact]
    public void AddOpenRouterClient_Validation_FailsWithoutEchoingTheKey()
    {
        // Arrange: a key with a character no header can carry.
        var badKey = TestClients.ApiKey + "\u00e9";
        using var provider = BuildProvider(new() { ["OpenRouter:ApiKey"] = badKey });

        // Act
        var exception = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<OpenRouterOptions>>().Value);

        // Assert
        Assert.DoesNotContain(TestClients.ApiKey, exception.Message, StringComparison.Ordinal);
        Assert.Contains("ApiKey", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddOpenRouterClient_HttpClient_HasNoTimeoutAndNoRetryHandler()
    {
        // Arrange
        using var provider = BuildProvider(new() { ["OpenRouter:ApiKey"] = TestClients.ApiKey });
        const string clientName = nameof(IChatCompletionClient);

        // Act
        using var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient(clientName);
        var handlers = HandlerChain(provider.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler(clientName)).ToList();

        // Assert
        Assert.Equal(Timeout.InfiniteTimeSpan, http.Timeout);
        var primary = Assert.IsType<SocketsHttpHandler>(handlers[^1]);
        Assert.Equal(TimeSpan.FromMinutes(5), primary.PooledConnectionLifetime);
        Assert.All(handlers.OfType<DelegatingHandler>(), handler =>
            Assert.StartsWith("Microsoft.Extensions.Http", handler.GetType().Namespace, StringComparison.Ordinal));
    }

    private static ServiceProvider BuildProvider(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddOpenRouterClient(configuration);
        return services.BuildServiceProvider();
    }

    private static IEnumerable<HttpMessageHandler> HandlerChain(HttpMessageHandler handler)
    {
        for (HttpMessageHandler? current = handler; current is not null; current = (current as DelegatingHandler)?.InnerHandler)
        {
            yield return current;
        }
    }
}
