using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Configuration;

namespace PromptQueue.Hosting;

/// <summary>Where PromptQueue's traces and metrics go, read from the host's configuration.</summary>
/// <param name="AzureMonitorConnectionString">The Application Insights connection string; null exports nothing to Azure Monitor.</param>
/// <param name="UseEntraId">True when Application Insights takes only Entra ID tokens (<c>Authorization=AAD</c>).</param>
/// <param name="ManagedIdentityClientId">The user-assigned identity that signs the telemetry; null means the system-assigned one.</param>
/// <param name="OtlpEndpoint">The OTLP collector; null exports nothing over OTLP.</param>
/// <param name="Console">True to print every span and metric on standard output.</param>
public sealed record TelemetrySettings(
    string? AzureMonitorConnectionString,
    bool UseEntraId,
    string? ManagedIdentityClientId,
    string? OtlpEndpoint,
    bool Console)
{
    public const string AzureMonitorConnectionSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>The Functions host's own setting for Entra ID auth: <c>ClientId=...;Authorization=AAD</c>.</summary>
    public const string AzureMonitorAuthenticationSetting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    /// <summary>The app's identity for storage, used when the authentication string names none.</summary>
    public const string StorageClientIdSetting = "AzureWebJobsStorage:clientId";

    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public const string ConsoleSetting = "PromptQueue:Telemetry:Console";

    public static TelemetrySettings From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var authentication = ParsePairs(configuration[AzureMonitorAuthenticationSetting]);
        var useEntraId = string.Equals(authentication.GetValueOrDefault("Authorization"), "AAD", StringComparison.OrdinalIgnoreCase);
        return new TelemetrySettings(
            NonEmpty(configuration[AzureMonitorConnectionSetting]),
            useEntraId,
            useEntraId ? NonEmpty(authentication.GetValueOrDefault("ClientId")) ?? NonEmpty(configuration[StorageClientIdSetting]) : null,
            NonEmpty(configuration[OtlpEndpointSetting]),
            bool.TryParse(configuration[ConsoleSetting], out var console) && console);
    }

    /// <summary>The credential Azure Monitor needs, or null when it takes the connection string alone.</summary>
    public TokenCredential? AzureMonitorCredential() => UseEntraId
        ? new ManagedIdentityCredential(ManagedIdentityClientId is { } clientId
            ? ManagedIdentityId.FromUserAssignedClientId(clientId)
            : ManagedIdentityId.SystemAssigned)
        : null;

    private static Dictionary<string, string> ParsePairs(string? text)
    {
        var pairs = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in (text ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                pairs[part[..equals].Trim()] = part[(equals + 1)..].Trim();
            }
        }

        return pairs;
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
