using Azure;
using Azure.Storage.Queues;
using Microsoft.Extensions.Options;

namespace PromptQueue.Core.Notices;

/// <summary>The results queue, the webhook notice queue and its poison queue.</summary>
public sealed class NoticeQueues
{
    /// <summary>Notices must outlive an outage of whoever reads them: they never expire.</summary>
    private static readonly TimeSpan NeverExpires = TimeSpan.FromSeconds(-1);

    public NoticeQueues(QueueServiceClient queues, IOptions<NoticeOptions> options)
    {
        ArgumentNullException.ThrowIfNull(queues);
        ArgumentNullException.ThrowIfNull(options);
        Results = queues.GetQueueClient(options.Value.ResultsQueue);
        Webhook = queues.GetQueueClient(options.Value.NoticeQueue);
        WebhookPoison = queues.GetQueueClient(options.Value.NoticeQueue + "-poison");
    }

    public QueueClient Results { get; }

    public QueueClient Webhook { get; }

    /// <summary>Where a message that is not a webhook notice is kept, as received.</summary>
    public QueueClient WebhookPoison { get; }

    /// <summary>Sends a message, creating the queue on first use: notices are off in most deployments, so nothing creates it at start.</summary>
    public static async Task SendAsync(QueueClient queue, string message, TimeSpan delay, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queue);
        TimeSpan? visibility = delay > TimeSpan.Zero ? TimeSpan.FromSeconds(Math.Ceiling(delay.TotalSeconds)) : null;
        try
        {
            await queue.SendMessageAsync(message, visibility, NeverExpires, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            await queue.SendMessageAsync(message, visibility, NeverExpires, cancellationToken);
        }
    }
}
