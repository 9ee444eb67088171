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
            (string connectionString, _, _) => new QueueServiceClient(connectionString, QueueOptions),
            (_, Uri uri, TokenCredential credential) => new QueueServiceClient(uri, credential, QueueOptions),
            _ => throw new InvalidOperationException("Unreachable: Resolve returns a connection string or a URI."),
        };

    public static TableServiceClient CreateTables(IConfiguration configuration, string connectionName) =>
        Resolve(configuration, connectionName, "tableServiceUri") switch
        {
            (string connectionString, _, _) => new TableServiceClient(connectionString),
            (_, Uri uri, TokenCredential credential) => new TableServiceClient(uri, credential),
            _ => throw new InvalidOperationException("Unreachable: Resolve returns a connection string or a URI."),
        };

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

        return (null, new Uri(serviceUri), CreateCredential(section["clientId"]));
    }

    private static TokenCredential CreateCredential(string? clientId) =>
        clientId is null ? new DefaultAzureCredential() : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
}
