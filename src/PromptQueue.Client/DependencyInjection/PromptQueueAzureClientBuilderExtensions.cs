using Azure.Core.Extensions;
using PromptQueue.Client;

// The namespace of Microsoft.Extensions.Azure's builder, as the Azure SDKs' own Add...Client extensions use, so that
// the method shows up inside AddAzureClients without another using.
namespace Microsoft.Extensions.Azure;

/// <summary>Registers <see cref="PromptQueueQueueSender"/> inside <c>services.AddAzureClients(...)</c>, as the Azure SDK clients register.</summary>
/// <remarks>
/// Built on Azure.Core's <see cref="IAzureClientFactoryBuilder"/> interfaces, the shape the Azure SDK's own
/// <c>AddQueueServiceClient</c> has: the sender then takes the builder's credential (<c>UseCredential</c>), its defaults
/// (<c>ConfigureDefaults</c>: retries, diagnostics), names (<c>WithName</c>, resolved with
/// <c>IAzureClientFactory&lt;PromptQueueQueueSender&gt;</c>), and the library needs no Microsoft.Extensions.Azure reference.
/// </remarks>
public static class PromptQueueAzureClientBuilderExtensions
{
    /// <summary>Registers a sender that connects with a storage connection string (an account key or SAS).</summary>
    /// <param name="builder">The builder <c>AddAzureClients</c> passes.</param>
    /// <param name="connectionString">The storage account's connection string; <c>UseDevelopmentStorage=true</c> for Azurite.</param>
    /// <param name="configure">Sets the queue name, encoding and limits; the defaults suit PromptQueue's own app.</param>
    public static IAzureClientBuilder<PromptQueueQueueSender, PromptQueueQueueSenderClientOptions> AddPromptQueueQueueSender<TBuilder>(
        this TBuilder builder, string connectionString, Action<PromptQueueQueueSenderOptions>? configure = null)
        where TBuilder : IAzureClientFactoryBuilder
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var senderOptions = SenderOptions(builder, configure);
        return builder.RegisterClientFactory<PromptQueueQueueSender, PromptQueueQueueSenderClientOptions>(
            clientOptions => new PromptQueueQueueSender(connectionString, senderOptions, clientOptions, timeProvider: null));
    }

    /// <summary>
    /// Registers a sender that signs in with the builder's credential (<c>UseCredential</c>; managed identity in Azure),
    /// which needs the "Storage Queue Data Message Sender" role on the account.
    /// </summary>
    /// <param name="builder">The builder <c>AddAzureClients</c> passes.</param>
    /// <param name="queueServiceUri">The account's queue endpoint, such as <c>https://myaccount.queue.core.windows.net</c>.</param>
    /// <param name="configure">Sets the queue name, encoding and limits; the defaults suit PromptQueue's own app.</param>
    public static IAzureClientBuilder<PromptQueueQueueSender, PromptQueueQueueSenderClientOptions> AddPromptQueueQueueSender<TBuilder>(
        this TBuilder builder, Uri queueServiceUri, Action<PromptQueueQueueSenderOptions>? configure = null)
        where TBuilder : IAzureClientFactoryBuilderWithCredential
    {
        ArgumentNullException.ThrowIfNull(queueServiceUri);
        var senderOptions = SenderOptions(builder, configure);
        return builder.RegisterClientFactory<PromptQueueQueueSender, PromptQueueQueueSenderClientOptions>(
            (clientOptions, credential) => new PromptQueueQueueSender(queueServiceUri, credential, senderOptions, clientOptions, timeProvider: null));
    }

    /// <summary>The sender's own options, set once at registration: they are not the Azure SDK's, which the builder configures.</summary>
    private static PromptQueueQueueSenderOptions SenderOptions(object builder, Action<PromptQueueQueueSenderOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new PromptQueueQueueSenderOptions();
        configure?.Invoke(options);
        return options;
    }
}
