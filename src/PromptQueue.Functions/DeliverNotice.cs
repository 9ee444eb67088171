using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;
using PromptQueue.Core.Notices;

namespace PromptQueue.Functions;

/// <summary>POSTs each webhook notice on the notice queue; retries are new delayed messages, so this copy is deleted.</summary>
public sealed class DeliverNotice(WebhookDeliverer deliverer)
{
    public const string QueueSetting = "%" + AppSettingsCheck.NoticeQueue + "%";

    [Function(nameof(DeliverNotice))]
    public Task<WebhookOutcome> Run(
        [QueueTrigger(QueueSetting, Connection = "AzureWebJobsStorage")] QueueMessage message,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        return deliverer.DeliverAsync(message.Body.ToString(), cancellationToken);
    }
}
