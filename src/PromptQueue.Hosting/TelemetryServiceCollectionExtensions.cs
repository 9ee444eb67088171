using Azure.Core;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using PromptQueue.Core.Telemetry;

namespace PromptQueue.Hosting;

/// <summary>The OpenTelemetry wiring both hosts share.</summary>
public static class TelemetryServiceCollectionExtensions
{
    private const string ServiceNameSetting = "OTEL_SERVICE_NAME";

    /// <summary>
    /// Subscribes OpenTelemetry tracing and metrics to PromptQueue's activity source and meter, and exports them to
    /// Azure Monitor (<c>APPLICATIONINSIGHTS_CONNECTION_STRING</c>, with a managed identity when
    /// <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c> says <c>Authorization=AAD</c>), to an OTLP collector
    /// (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>) and to the console (<c>PromptQueue:Telemetry:Console=true</c>), as configured.
    /// </summary>
    /// <remarks>
    /// Logs are not routed here: they keep going through the host's logging (the Functions host sends them to
    /// Application Insights), so nothing is recorded twice. The builder is returned for host-specific additions.
    /// </remarks>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">The host's configuration, environment variables included.</param>
    /// <param name="serviceName">The <c>service.name</c> to report unless <c>OTEL_SERVICE_NAME</c> sets one.</param>
    public static OpenTelemetryBuilder AddPromptQueueTelemetry(this IServiceCollection services, IConfiguration configuration, string? serviceName = null)
    {
        var settings = TelemetrySettings.From(configuration);
        var credential = settings.AzureMonitorCredential();
        return services.AddOpenTelemetry()
            .ConfigureResource(resource =>
            {
                if (serviceName is not null && string.IsNullOrEmpty(configuration[ServiceNameSetting]))
                {
                    resource.AddService(serviceName);
                }
            })
            .WithTracing(tracing =>
            {
                tracing.AddSource(PromptQueueTelemetry.Name);
                if (settings.AzureMonitorConnectionString is { } connectionString)
                {
                    tracing.AddAzureMonitorTraceExporter(options => ConfigureAzureMonitor(options, connectionString, credential));
                }

                if (settings.OtlpEndpoint is not null)
                {
                    tracing.AddOtlpExporter();
                }

                if (settings.Console)
                {
                    tracing.AddConsoleExporter();
                }
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(PromptQueueTelemetry.Name);
                if (settings.AzureMonitorConnectionString is { } connectionString)
                {
                    metrics.AddAzureMonitorMetricExporter(options => ConfigureAzureMonitor(options, connectionString, credential));
                }

                if (settings.OtlpEndpoint is not null)
                {
                    metrics.AddOtlpExporter();
                }

                if (settings.Console)
                {
                    metrics.AddConsoleExporter();
                }
            });
    }

    private static void ConfigureAzureMonitor(AzureMonitorExporterOptions options, string connectionString, TokenCredential? credential)
    {
        options.ConnectionString = connectionString;
        options.Credential = credential;
    }
}
