using Azure.Core;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using PromptQueue.Core.Telemetry;

namespace PromptQueue.Hosting;

/// <summary>The OpenTelemetry wiring both hosts share.</summary>
public static class TelemetryServiceCollectionExtensions
{
    private const string ServiceNameSetting = "OTEL_SERVICE_NAME";

    /// <summary>The Azure SDK's spans of its storage calls: they come only when this switch is on, before any client exists.</summary>
    public const string AzureSdkActivitySwitch = "Azure.Experimental.EnableActivitySource";

    /// <summary>
    /// Every source a host traces: PromptQueue's own, the Azure SDK's storage calls (every client's source), the model
    /// calls (HttpClient's own source since .NET 9) and, in the hosts that serve HTTP, the requests that submit jobs.
    /// </summary>
    public static readonly string[] TraceSources = [PromptQueueTelemetry.Name, "Azure.*", "System.Net.Http", "Microsoft.AspNetCore"];

    /// <summary>
    /// Subscribes OpenTelemetry to PromptQueue's spans, metrics and logs, with the Azure SDK's storage calls and
    /// HttpClient's model calls as spans under them, and exports them to Azure Monitor
    /// (<c>APPLICATIONINSIGHTS_CONNECTION_STRING</c>, with a managed identity when
    /// <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c> says <c>Authorization=AAD</c>), to an OTLP collector
    /// (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>) and to the console (<c>PromptQueue:Telemetry:Console=true</c>), as configured.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">The host's configuration, environment variables included.</param>
    /// <param name="serviceName">The <c>service.name</c> to report unless <c>OTEL_SERVICE_NAME</c> sets one.</param>
    /// <param name="logs">
    /// Where this process exports its logs. The Functions host forwards the worker's logs to Application Insights
    /// itself, so the worker exports them only to OTLP; <c>promptq</c> exports them everywhere.
    /// </param>
    public static OpenTelemetryBuilder AddPromptQueueTelemetry(this IServiceCollection services, IConfiguration configuration, string? serviceName = null, LogExport logs = LogExport.All)
    {
        var settings = TelemetrySettings.From(configuration);
        var credential = settings.AzureMonitorCredential();
        AppContext.SetSwitch(AzureSdkActivitySwitch, true);
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
                tracing.AddSource(TraceSources);
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
            })
            .WithLogging(logging =>
            {
                if (logs == LogExport.All && settings.AzureMonitorConnectionString is { } connectionString)
                {
                    logging.AddAzureMonitorLogExporter(options => ConfigureAzureMonitor(options, connectionString, credential));
                }

                if (settings.OtlpEndpoint is not null)
                {
                    logging.AddOtlpExporter();
                }
            });
    }

    private static void ConfigureAzureMonitor(AzureMonitorExporterOptions options, string connectionString, TokenCredential? credential)
    {
        options.ConnectionString = connectionString;
        options.Credential = credential;
    }
}

/// <summary>Where a host's logs leave the process through OpenTelemetry.</summary>
public enum LogExport
{
    /// <summary>To Azure Monitor and OTLP, as configured: a process whose logs nothing else forwards.</summary>
    All,

    /// <summary>To OTLP only, as configured: the Functions host forwards the worker's logs to Application Insights.</summary>
    OtlpOnly,
}
