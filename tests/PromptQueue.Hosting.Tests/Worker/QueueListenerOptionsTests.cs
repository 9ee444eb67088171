using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PromptQueue.Hosting.Worker;

namespace PromptQueue.Hosting.Tests.Worker;

/// <summary>The standalone listener takes host.json's queue settings, overridden as the Functions host allows, then by its own.</summary>
public sealed class QueueListenerOptionsTests
{
    [Fact]
    public void Value_NoSettings_AgreesWithTheRepositoryHostJson()
    {
        // Arrange: host.json as the Functions host reads it, from the repository root.
        using var hostJson = JsonDocument.Parse(File.ReadAllText(RepoFiles.PathOf("host.json")));
        var queues = hostJson.RootElement.GetProperty("extensions").GetProperty("queues");

        // Act
        var options = Resolve([]);

        // Assert: the Functions host has at most a batch plus the threshold in hand, so the listener has as many.
        Assert.Equal(queues.GetProperty("batchSize").GetInt32() + queues.GetProperty("newBatchThreshold").GetInt32(), options.Concurrency);
        Assert.Equal(queues.GetProperty("maxDequeueCount").GetInt32(), options.MaxDequeueCount);
        Assert.Equal(TimeSpanOf(queues, "visibilityTimeout"), options.RetryVisibility);
        Assert.Equal(TimeSpanOf(queues, "maxPollingInterval"), options.MaxPollingInterval);
    }

    [Fact]
    public void Constructor_NoSettings_HasTheDefaultsTheHostBinds()
    {
        // Act
        var constructed = new QueueListenerOptions();
        var bound = Resolve([]);

        // Assert: code that builds the options itself (tests, the benchmark) gets host.json's values too.
        Assert.Equal(
            (bound.Concurrency, bound.MaxDequeueCount, bound.RetryVisibility, bound.MaxPollingInterval, bound.SweepInterval),
            (constructed.Concurrency, constructed.MaxDequeueCount, constructed.RetryVisibility, constructed.MaxPollingInterval, constructed.SweepInterval));
    }

    [Fact]
    public void EmbeddedHostJson_ComparedWithTheRepositoryFile_IsTheSame()
    {
        // Arrange
        using var embedded = typeof(FunctionsQueueSettings).Assembly.GetManifestResourceStream("PromptQueue.Hosting.Worker.host.json");
        Assert.NotNull(embedded);
        using var reader = new StreamReader(embedded);

        // Act
        var text = reader.ReadToEnd();

        // Assert: the build links the one host.json; a copy would drift.
        Assert.Equal(File.ReadAllText(RepoFiles.PathOf("host.json")), text);
    }

    [Fact]
    public void Value_FunctionsHostAppSettings_OverrideHostJsonAsTheFunctionsHostWould()
    {
        // Arrange: AzureFunctionsJobHost__extensions__queues__batchSize=8 and so on, as app settings.
        var threshold = FunctionsQueueSettings.HostJson.NewBatchThreshold!.Value;

        // Act
        var options = Resolve(new()
        {
            ["AzureFunctionsJobHost:extensions:queues:batchSize"] = "8",
            ["AzureFunctionsJobHost:extensions:queues:maxDequeueCount"] = "3",
            ["AzureFunctionsJobHost:extensions:queues:visibilityTimeout"] = "00:00:05",
            ["AzureFunctionsJobHost:extensions:queues:maxPollingInterval"] = "00:00:01",
        });

        // Assert: the threshold stays host.json's, as it does under the Functions host.
        Assert.Equal(8 + threshold, options.Concurrency);
        Assert.Equal(3, options.MaxDequeueCount);
        Assert.Equal(TimeSpan.FromSeconds(5), options.RetryVisibility);
        Assert.Equal(TimeSpan.FromSeconds(1), options.MaxPollingInterval);
    }

    [Fact]
    public void Value_ListenerSettingsBesideFunctionsHostAppSettings_Win()
    {
        // Act
        var options = Resolve(new()
        {
            ["AzureFunctionsJobHost:extensions:queues:batchSize"] = "8",
            ["AzureFunctionsJobHost:extensions:queues:maxPollingInterval"] = "00:00:01",
            ["PromptQueue:Listener:Concurrency"] = "3",
            ["PromptQueue:Listener:MaxPollingInterval"] = "00:00:00.200",
        });

        // Assert
        Assert.Equal(3, options.Concurrency);
        Assert.Equal(TimeSpan.FromMilliseconds(200), options.MaxPollingInterval);
    }

    [Fact]
    public void Value_FunctionsHostAppSettingsOutOfRange_FailsNamingTheListenerSetting()
    {
        // Act
        var ex = Assert.Throws<OptionsValidationException>(() => Resolve(new() { ["AzureFunctionsJobHost:extensions:queues:batchSize"] = "100" }));

        // Assert
        Assert.Contains(nameof(QueueListenerOptions.Concurrency), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Concurrency_NoThreshold_IsABatchAndAHalfAsTheFunctionsHostDefaultsIt()
    {
        // Arrange
        var settings = new FunctionsQueueSettings { BatchSize = 16 };

        // Act
        var concurrency = settings.Concurrency;

        // Assert
        Assert.Equal(24, concurrency);
    }

    private static TimeSpan TimeSpanOf(JsonElement queues, string name) =>
        TimeSpan.Parse(queues.GetProperty(name).GetString()!, CultureInfo.InvariantCulture);

    private static QueueListenerOptions Resolve(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddJobQueueListener()
            .BuildServiceProvider();
        return services.GetRequiredService<IOptions<QueueListenerOptions>>().Value;
    }
}
