using System.Diagnostics;
using System.Diagnostics.Metrics;
using Azure.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using PromptQueue.Core.Telemetry;
using PromptQueue.Hosting;

namespace PromptQueue.IntegrationTests.Telemetry;

public sealed class TelemetrySettingsTests
{
    private const string ConnectionString = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://example.invalid/";

    [Fact]
    public void From_EntraAuthenticationStringWithClientId_UsesThatUserAssignedIdentity()
    {
        // Arrange: the app settings infra/app/api.bicep writes.
        var configuration = Configuration(new()
        {
            ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = ConnectionString,
            ["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] = "ClientId=11111111-2222-3333-4444-555555555555;Authorization=AAD",
            ["AzureWebJobsStorage:clientId"] = "99999999-9999-9999-9999-999999999999",
        });

        // Act
        var settings = TelemetrySettings.From(configuration);

        // Assert
        Assert.Equal(ConnectionString, settings.AzureMonitorConnectionString);
        Assert.True(settings.UseEntraId);
        Assert.Equal("11111111-2222-3333-4444-555555555555", settings.ManagedIdentityClientId);
        Assert.IsType<ManagedIdentityCredential>(settings.AzureMonitorCredential());
    }

    [Fact]
    public void From_EntraAuthenticationStringWithoutClientId_FallsBackToTheStorageIdentity()
    {
        // Arrange
        var configuration = Configuration(new()
        {
            ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = ConnectionString,
            ["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] = "Authorization=AAD",
            ["AzureWebJobsStorage:clientId"] = "99999999-9999-9999-9999-999999999999",
        });

        // Act
        var settings = TelemetrySettings.From(configuration);

        // Assert
        Assert.True(settings.UseEntraId);
        Assert.Equal("99999999-9999-9999-9999-999999999999", settings.ManagedIdentityClientId);
    }

    [Fact]
    public void From_ConnectionStringAlone_NeedsNoCredentialAndExportsNowhereElse()
    {
        // Arrange
        var configuration = Configuration(new() { ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = ConnectionString });

        // Act
        var settings = TelemetrySettings.From(configuration);

        // Assert
        Assert.Equal(new TelemetrySettings(ConnectionString, false, null, null, false), settings);
        Assert.Null(settings.AzureMonitorCredential());
    }

    [Fact]
    public void From_LocalSettings_ReadsOtlpEndpointAndConsoleSwitch()
    {
        // Arrange: what a developer sets as PromptQueue__Telemetry__Console and OTEL_EXPORTER_OTLP_ENDPOINT.
        var configuration = Configuration(new()
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:4317",
            ["PromptQueue:Telemetry:Console"] = "true",
        });

        // Act
        var settings = TelemetrySettings.From(configuration);

        // Assert
        Assert.Equal(new TelemetrySettings(null, false, null, "http://127.0.0.1:4317", true), settings);
    }

    [Fact]
    public void AddPromptQueueTelemetry_ConsoleExporter_SubscribesToPromptQueuesSourceAndMeter()
    {
        // Arrange: an exporter is needed, since a meter provider with none listens to nothing.
        var configuration = Configuration(new() { ["PromptQueue:Telemetry:Console"] = "true" });
        using var services = new ServiceCollection().AddPromptQueueTelemetry(configuration).Services.BuildServiceProvider();
        using var probeSource = new ActivitySource(PromptQueueTelemetry.Name);
        using var probeMeter = new Meter(PromptQueueTelemetry.Name);
        var probeCounter = probeMeter.CreateCounter<long>("promptqueue.test.probe");

        // Act: resolving the providers is what the host does at start.
        services.GetRequiredService<TracerProvider>();
        services.GetRequiredService<MeterProvider>();

        // Assert
        Assert.True(probeSource.HasListeners(), "no tracer listens to the PromptQueue activity source");
        Assert.True(probeCounter.Enabled, "no meter provider listens to the PromptQueue meter");
    }

    private static IConfiguration Configuration(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
}
