using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;

namespace PromptQueue.Core.Storage;

/// <summary>Builds Storage clients from the same connection setting the Functions host uses.</summary>
/// <remarks>
/// Locally the setting is a connection string (<c>UseDevelopmentStorage=true</c> for Azurite). In Azure it is
/// identity-based: <c>AzureWebJobsStorage__queueServiceUri</c>, <c>__tableServiceUri</c> and, for a user-assigned
/// identity, <c>__clientId</c>; no account key is needed anywhere.
/// </remarks>
public static class StorageClients
{
    /// <summary>Queue messages are sent as plain text; the worker reads plain and base64 alike.</summary>
    public static QueueClientOptions QueueOptions => new() { MessageEncoding = QueueMessageEncoding.None };

    public static QueueServiceClient CreateQueues(IConfiguration configuration, string connectionName) =>
        Resolve(configuration, connectionName, "queueServiceUri") switch
        {
            (string connectionString, _, _) => Parse(connectionName, () => new QueueServiceClient(connectionString, QueueOptions)),
            (_, Uri uri, TokenCredential credential) => new QueueServiceClient(uri, credential, QueueOptions),
            _ => throw new InvalidOperationException("Unreachable: Resolve returns a connection string or a URI."),
        };

    public static TableServiceClient CreateTables(IConfiguration configuration, string connectionName) =>
        Resolve(configuration, connectionName, "tableServiceUri") switch
        {
            (string connectionString, _, _) => Parse(connectionName, () => new TableServiceClient(connectionString)),
            (_, Uri uri, TokenCredential credential) => new TableServiceClient(uri, credential),
            _ => throw new InvalidOperationException("Unreachable: Resolve returns a connection string or a URI."),
        };

    /// <summary>
    /// True when the storage setting names the local emulator (Azurite): <c>UseDevelopmentStorage=true</c>, its
    /// well-known account, or endpoints on this machine only. Simulated answers may be stored there, never elsewhere.
    /// </summary>
    public static bool IsLocalEmulator(IConfiguration configuration, string connectionName)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration[connectionName] is { Length: > 0 } connectionString)
        {
            var parts = connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(part => part.Split('=', 2))
                .Where(pair => pair.Length == 2)
                .GroupBy(pair => pair[0].Trim(), StringComparer.OrdinalIgnoreCase)
                .ToDictionary(group => group.Key, group => group.Last()[1].Trim(), StringComparer.OrdinalIgnoreCase);
            if ((parts.TryGetValue("UseDevelopmentStorage", out var development) && development.Equals("true", StringComparison.OrdinalIgnoreCase))
                || (parts.TryGetValue("AccountName", out var account) && account.Equals(EmulatorAccountName, StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }

            var endpoints = parts.Where(part => part.Key.EndsWith("Endpoint", StringComparison.OrdinalIgnoreCase)).Select(part => part.Value).ToList();
            return endpoints.Count > 0 && endpoints.All(IsLoopback);
        }

        var uris = configuration.GetSection(connectionName).GetChildren().Where(child => child.Key.EndsWith("ServiceUri", StringComparison.OrdinalIgnoreCase)).Select(child => child.Value).ToList();
        return uris.Count > 0 && uris.All(uri => uri is not null && IsLoopback(uri));
    }

    /// <summary>The account every storage emulator serves, whatever host it runs on.</summary>
    private const string EmulatorAccountName = "devstoreaccount1";

    private static bool IsLoopback(string uri) =>
        Uri.TryCreate(uri, UriKind.Absolute, out var parsed) && (parsed.IsLoopback || parsed.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase));

    /// <summary>Creates a client from a connection string; a malformed one is named by its setting, never shown (it holds a key).</summary>
    private static T Parse<T>(string connectionName, Func<T> create)
    {
        try
        {
            return create();
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
        {
            throw new StorageConnectionException(
                // The SDK's message quotes parts of the string, which may be a key pasted in the wrong place: not shown.
                $"{connectionName} is not a storage connection string (KEY=VALUE pairs such as AccountName=...;AccountKey=...). Use the form in the Azure portal's " +
                "'Access keys' page, UseDevelopmentStorage=true for Azurite, or unset it to let promptq start Azurite.", ex);
        }
    }

    private static (string? ConnectionString, Uri? ServiceUri, TokenCredential? Credential) Resolve(IConfiguration configuration, string connectionName, string serviceUriKey)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var connectionString = configuration[connectionName];
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return (connectionString, null, null);
        }

        var section = configuration.GetSection(connectionName);
        if (section[serviceUriKey] is not { } serviceUri)
        {
            throw new InvalidOperationException(
                $"No storage connection is configured. Set '{connectionName}' to a connection string (for Azurite: UseDevelopmentStorage=true), " +
                $"or set '{connectionName}__queueServiceUri' and '{connectionName}__tableServiceUri' for an identity-based connection.");
        }

        return Uri.TryCreate(serviceUri, UriKind.Absolute, out var uri)
            ? (null, uri, CreateCredential(section["clientId"]))
            : throw new StorageConnectionException($"{connectionName}__{serviceUriKey} is not an absolute URI: '{serviceUri}'.", null);
    }

    private static TokenCredential CreateCredential(string? clientId) =>
        clientId is null ? new DefaultAzureCredential() : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
}

/// <summary>The storage connection setting cannot be used as written; the message names the setting and never shows its value.</summary>
public sealed class StorageConnectionException(string message, Exception? inner) : InvalidOperationException(message, inner);
