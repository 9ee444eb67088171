using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;
using PromptQueue.Core.Processing;

namespace PromptQueue.Functions;

/// <summary>Marks the job of each poison message DeadLettered, keeping the raw payload so it can be inspected and retried.</summary>
public sealed class DeadLetterJob(JobProcessor processor)
{
    public const string PoisonQueueSetting = ProcessJob.QueueSetting + "-poison";

    [Function(nameof(DeadLetterJob))]
    public Task<JobProcessingResult> Run(
        [QueueTrigger(PoisonQueueSetting, Connection = "AzureWebJobsStorage")] QueueMessage message,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        return processor.DeadLetterAsync(new JobDelivery(message.Body.ToString(), message.MessageId, message.InsertedOn), cancellationToken);
    }
}
