using System.Net;
using Azure.Core;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace PromptQueue.Client.Tests.DependencyInjection;

public sealed class PromptQueueRegistrationTests
{
    private const string DevelopmentStorage = "UseDevelopmentStorage=true";

    [Fact]
    public async Task AddPromptQueueClient_ConfigurationSection_ResolvesATypedClientWithTheBoundOptions()
    {
        // Arrange
        var handler = new RecordingHandler().Answer(_ => RecordingHandler.Problem(HttpStatusCode.NotFound, "Job not found"));
        var configuration = Configuration(("PromptQueue:Client:BaseAddress", "http://pq.test:7071"), ("PromptQueue:Client:ApiKey", "bound-key"));
        var services = new ServiceCollection();
        services.AddPromptQueueClient(configuration.GetSection(PromptQueueClientOptions.SectionName))
            .ConfigurePrimaryHttpMessageHandler(() => handler);
        using var provider = services.BuildServiceProvider();

        // Act
        var client = provider.GetRequiredService<PromptQueueClient>();
        var view = await client.GetAsync("job-1");

        // Assert
        Assert.Null(view);
        var request = Assert.Single(handler.Requests);
        Assert.Equal("http://pq.test:7071/api/jobs/job-1", request.Uri.ToString());
        Assert.Equal("bound-key", request.Headers[PromptQueueClient.ApiKeyHeader]);
    }

    [Fact]
    public void AddPromptQueueClient_NoArguments_BindsThePromptQueueClientSection()
    {
        // Arrange
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(Configuration(("PromptQueue:Client:BaseAddress", "http://bound.test:7071"), ("PromptQueue:Client:LongPollRound", "00:00:20")));

        // Act
        services.AddPromptQueueClient();
        using var provider = services.BuildServiceProvider();

        // Assert
        var options = provider.GetRequiredService<IOptions<PromptQueueClientOptions>>().Value;
        Assert.Equal(new Uri("http://bound.test:7071"), options.BaseAddress);
        Assert.Equal(TimeSpan.FromSeconds(20), options.LongPollRound);
        Assert.Equal(new Uri("http://bound.test:7071/"), provider.GetRequiredService<PromptQueueClient>().BaseAddress);
    }

    [Fact]
    public void AddPromptQueueClient_OptionsBreakTheirRules_FailValidationAtStart()
    {
        // Arrange
        var services = new ServiceCollection();
        services.AddPromptQueueClient(options => options.LongPollRound = TimeSpan.FromMinutes(10));
        using var provider = services.BuildServiceProvider();

        // Act: what the host runs when it starts, before anything asks for the client.
        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        // Assert
        Assert.Contains(ex.Failures, f => f.Contains(nameof(PromptQueueClientOptions.BaseAddress), StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.Contains(nameof(PromptQueueClientOptions.LongPollRound), StringComparison.Ordinal));
    }

    [Fact]
    public void AddPromptQueueQueueSender_InAddAzureClients_ResolvesTheSenderOnItsQueue()
    {
        // Arrange
        var services = new ServiceCollection();

        // Act
        services.AddAzureClients(clients => clients.AddPromptQueueQueueSender(DevelopmentStorage, sender => sender.QueueName = "my-jobs"));
        using var provider = services.BuildServiceProvider();

        // Assert
        Assert.EndsWith("/devstoreaccount1/my-jobs", provider.GetRequiredService<PromptQueueQueueSender>().QueueUri.AbsolutePath, StringComparison.Ordinal);
    }

    [Fact]
    public void AddPromptQueueQueueSender_NamedWithTheBuildersCredential_ResolvesThroughTheAzureClientFactory()
    {
        // Arrange
        var services = new ServiceCollection();
        services.AddAzureClients(clients =>
        {
            clients.UseCredential(new UnusedCredential());
            clients.AddPromptQueueQueueSender(new Uri("https://account.queue.core.windows.net")).WithName("reports");
        });
        using var provider = services.BuildServiceProvider();

        // Act
        var sender = provider.GetRequiredService<IAzureClientFactory<PromptQueueQueueSender>>().CreateClient("reports");

        // Assert
        Assert.Equal(new Uri("https://account.queue.core.windows.net/prompt-jobs"), sender.QueueUri);
    }

    [Fact]
    public void AddPromptQueueQueueSender_NextToTheAppsOwnQueueServiceClient_KeepsItsOwnSdkOptions()
    {
        // Arrange: options configured for the app's QueueServiceClient must not reach the sender's.
        var services = new ServiceCollection();
        services.AddAzureClients(clients =>
        {
            clients.AddQueueServiceClient(DevelopmentStorage).ConfigureOptions(o => o.MessageEncoding = Azure.Storage.Queues.QueueMessageEncoding.Base64);
            clients.AddPromptQueueQueueSender(DevelopmentStorage).ConfigureOptions(o => o.Retry.MaxRetries = 7);
        });
        using var provider = services.BuildServiceProvider();

        // Act
        var senderOptions = provider.GetRequiredService<IOptionsMonitor<PromptQueueQueueSenderClientOptions>>().Get("Default");
        var appOptions = provider.GetRequiredService<IOptionsMonitor<Azure.Storage.Queues.QueueClientOptions>>().Get("Default");

        // Assert
        Assert.Equal(7, senderOptions.Retry.MaxRetries);
        Assert.NotEqual(7, appOptions.Retry.MaxRetries);
        Assert.Equal(Azure.Storage.Queues.QueueMessageEncoding.None, senderOptions.MessageEncoding);
    }

    private static IConfigurationRoot Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    /// <summary>A credential for clients that are built but never send.</summary>
    private sealed class UnusedCredential : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("no request is sent in these tests");

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("no request is sent in these tests");
    }
}
