using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PromptQueue.Core.Notices;

namespace PromptQueue.Hosting.Worker;

/// <summary>The standalone host's stand-in for the Functions <c>DeliverNotice</c> trigger: drains the notice queue.</summary>
public sealed class NoticeQueueListener(
    NoticeQueues queues,
    WebhookDeliverer deliverer,
    IOptions<NoticeOptions> options,
    IOptions<QueueListenerOptions> listenerOptions,
    TimeProvider time,
    ILogger<NoticeQueueListener> logger) : BackgroundService
{
    private readonly QueuePoller _poller = new(time, logger);

    /// <summary>Does nothing when no webhook is configured, so an idle deployment does not poll a queue it never fills.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.WebhookEnabled)
        {
            return;
        }

        await queues.Webhook.CreateIfNotExistsAsync(cancellationToken: stoppingToken);

        // A message stays hidden for longer than one POST may take, so two hosts never send the same delivery at once.
        var polling = new QueuePolling(
            queues.Webhook,
            listenerOptions.Value.Concurrency,
            options.Value.WebhookTimeout + TimeSpan.FromMinutes(1),
            listenerOptions.Value.MaxPollingInterval);

        // Nothing in flight is worth holding a stopping host for: an interrupted delivery's message reappears.
        await _poller.PollAsync(polling, HandleAsync, stoppingToken, stoppingToken);
    }

    private async Task HandleAsync(LeasedMessage leased, CancellationToken cancellationToken)
    {
        await deliverer.DeliverAsync(leased.Message.Body.ToString(), cancellationToken);
        await leased.EndLeaseAsync();
        await queues.Webhook.DeleteMessageAsync(leased.Message.MessageId, leased.PopReceipt, CancellationToken.None);
    }
}
