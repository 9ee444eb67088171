using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;
using PromptQueue.Core.Processing;

namespace PromptQueue.Functions;

/// <summary>Runs each job-queue message through the job processor.</summary>
/// <remarks>
/// The processor never throws for a job that must wait: it re-sends the message with a delay and returns, so the
/// host deletes this copy. Only a real fault (storage down, a crash) makes the host retry it and, in the end,
/// move it to the poison queue.
/// </remarks>
public sealed class ProcessJob(JobProcessor processor)
{
    public const string QueueSetting = "%" + AppSettingsCheck.JobQueue + "%";

    [Function(nameof(ProcessJob))]
    public Task<JobProcessingResult> Run(
        [QueueTrigger(QueueSetting, Connection = "AzureWebJobsStorage")] QueueMessage message,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        return processor.ProcessAsync(new JobDelivery(message.Body.ToString(), message.MessageId, message.InsertedOn), cancellationToken);
    }
}
