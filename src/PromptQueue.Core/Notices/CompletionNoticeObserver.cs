using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PromptQueue.Core.Processing;
using PromptQueue.Core.Storage;

namespace PromptQueue.Core.Notices;

/// <summary>
/// Turns a job's terminal status into its completion notices: the results-queue message directly, and the webhook
/// notice onto the durable notice queue, from which <see cref="WebhookDeliverer"/> POSTs it. The job's own path never
/// waits for, or fails with, the webhook's receiver.
/// </summary>
public sealed partial class CompletionNoticeObserver(NoticeQueues queues, IJobStatusLinks links, IOptions<NoticeOptions> options, ILogger<CompletionNoticeObserver> logger)
    : IJobTerminalObserver
{
    private readonly NoticeOptions _options = options.Value;

    public async Task OnTerminalAsync(JobRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var toResults = _options.ResultsQueueEnabled && (record.NotifyResultsQueue ?? _options.NotifyByDefault);
        var toWebhook = _options.WebhookEnabled && (record.NotifyWebhook ?? _options.NotifyByDefault);
        if (!toResults && !toWebhook)
        {
            return;
        }

        var notice = CompletionNotice.From(record, links.JobStatusUrl(record.JobId));
        var body = notice.ToJson();
        if (toResults)
        {
            await NoticeQueues.SendAsync(queues.Results, body, TimeSpan.Zero, cancellationToken);
        }

        if (toWebhook)
        {
            var message = new WebhookNoticeMessage(1, notice.DeliveryId, 0, body);
            await NoticeQueues.SendAsync(queues.Webhook, message.ToJson(), TimeSpan.Zero, cancellationToken);
        }

        LogNoticed(record.JobId, record.Status.ToString(), toResults, toWebhook);
    }

    [LoggerMessage(LogLevel.Debug, "Job {JobId} ({Status}): completion notice queued (results queue: {ToResults}, webhook: {ToWebhook})")]
    private partial void LogNoticed(string jobId, string status, bool toResults, bool toWebhook);
}
