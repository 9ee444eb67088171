using Azure.Storage.Queues;

namespace PromptQueue.Client;

/// <summary>
/// The Azure SDK options (retries, diagnostics, transport) of a <see cref="PromptQueueQueueSender"/> registered with
/// <c>AddAzureClients(b => b.AddPromptQueueQueueSender(...))</c>; <c>ConfigureDefaults</c> and <c>ConfigureOptions</c> set them.
/// </summary>
/// <remarks>
/// A type of its own because Microsoft.Extensions.Azure keys client options by type and name: were the sender's options
/// plain <see cref="QueueClientOptions"/>, an app's own default <see cref="QueueServiceClient"/> would share them.
/// <see cref="QueueClientOptions.MessageEncoding"/> is not read: the sender sets it from <see cref="PromptQueueQueueSenderOptions.Encoding"/>.
/// </remarks>
public sealed class PromptQueueQueueSenderClientOptions : QueueClientOptions
{
}
