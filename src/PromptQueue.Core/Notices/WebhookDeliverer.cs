using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PromptQueue.Core.Telemetry;

namespace PromptQueue.Core.Notices;

/// <summary>What became of one delivery of a webhook notice.</summary>
public enum WebhookOutcome
{
    /// <summary>The receiver answered 2xx.</summary>
    Delivered,

    /// <summary>It failed in a way worth retrying; a copy with the next attempt number waits on the notice queue.</summary>
    RetryScheduled,

    /// <summary>The receiver refused it (4xx other than 408/429), or every attempt failed: logged and counted, not retried.</summary>
    GaveUp,

    /// <summary>The message was not a webhook notice; it was moved to the notice poison queue as received.</summary>
    NotANotice,
}

/// <summary>POSTs webhook notices from the notice queue, signed, retrying with backoff through the queue itself.</summary>
/// <remarks>
/// A retry is a new message with the attempt count raised and a visibility delay, so waiting costs no worker, and a
/// crash at any point leaves either the old or the new message on the queue: a notice may arrive twice (receivers
/// drop repeats by <c>X-PromptQueue-Delivery</c>) but is never lost. The outcome is logged and counted in the
/// <c>promptqueue.notices.webhook</c> metric; it is not written to the job row.
/// </remarks>
public sealed partial class WebhookDeliverer(
    IHttpClientFactory httpClients,
    NoticeQueues queues,
    IOptions<NoticeOptions> options,
    TimeProvider time,
    ILogger<WebhookDeliverer> logger)
{
    public const string HttpClientName = "PromptQueue.Webhook";
    public const string OutcomeMetric = "promptqueue.notices.webhook";

    private static readonly Counter<long> Outcomes = PromptQueueTelemetry.Meter.CreateCounter<long>(
        OutcomeMetric, "{delivery}", "Webhook notice deliveries by outcome: delivered, retry_scheduled, gave_up, not_a_notice.");

    private readonly NoticeOptions _options = options.Value;

    /// <summary>Delivers the notice in one notice-queue message. The caller deletes the message once this returns.</summary>
    public async Task<WebhookOutcome> DeliverAsync(string messageText, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messageText);
        var message = WebhookNoticeMessage.TryRead(messageText);
        if (message is null)
        {
            await NoticeQueues.SendAsync(queues.WebhookPoison, messageText, TimeSpan.Zero, cancellationToken);
            LogNotANotice(queues.WebhookPoison.Name);
            return Count(WebhookOutcome.NotANotice);
        }

        var attempt = message.Attempt + 1;
        if (!_options.WebhookEnabled)
        {
            LogGaveUp(message.DeliveryId, attempt, "no webhook is configured any more");
            return Count(WebhookOutcome.GaveUp);
        }

        var (status, failure) = await PostAsync(message, cancellationToken);
        if (status is >= 200 and < 300)
        {
            LogDelivered(message.DeliveryId, attempt, status.Value);
            return Count(WebhookOutcome.Delivered);
        }

        if (status is >= 400 and < 500 and not 408 and not 429)
        {
            LogGaveUp(message.DeliveryId, attempt, $"the receiver refused it with HTTP {status}");
            return Count(WebhookOutcome.GaveUp);
        }

        if (status is >= 300 and < 400)
        {
            LogGaveUp(message.DeliveryId, attempt, $"the receiver redirected it (HTTP {status}); redirects are not followed, so configure the final URL");
            return Count(WebhookOutcome.GaveUp);
        }

        var why = failure ?? $"HTTP {status}";
        if (attempt >= _options.MaxAttempts)
        {
            LogGaveUp(message.DeliveryId, attempt, $"every attempt failed, the last with {why}");
            return Count(WebhookOutcome.GaveUp);
        }

        var delay = Backoff(attempt);
        await NoticeQueues.SendAsync(queues.Webhook, (message with { Attempt = attempt }).ToJson(), delay, cancellationToken);
        LogRetrying(message.DeliveryId, attempt, why, delay);
        return Count(WebhookOutcome.RetryScheduled);
    }

    /// <summary>Between half and all of base x 2^(attempt-1), capped: a receiver that is down is not asked again much sooner.</summary>
    private TimeSpan Backoff(int attempt) =>
        Core.Backoff.Delay(attempt, _options.RetryBaseDelay, _options.RetryMaxDelay, BackoffJitter.Equal, Random.Shared);

    private async Task<(int? Status, string? Failure)> PostAsync(WebhookNoticeMessage message, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.WebhookTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, _options.WebhookUrl)
        {
            Content = new StringContent(message.Body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(WebhookSignature.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Sign(_options.WebhookSecret!, timestamp, message.Body));
        request.Headers.Add(WebhookSignature.DeliveryHeader, message.DeliveryId);
        try
        {
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            return ((int)response.StatusCode, null);
        }
        catch (HttpRequestException ex)
        {
            return (null, ex.HttpRequestError.ToString());
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return (null, $"no answer within {_options.WebhookTimeout}");
        }
    }

    private static WebhookOutcome Count(WebhookOutcome outcome)
    {
        var name = outcome switch
        {
            WebhookOutcome.Delivered => "delivered",
            WebhookOutcome.RetryScheduled => "retry_scheduled",
            WebhookOutcome.GaveUp => "gave_up",
            _ => "not_a_notice",
        };
        Outcomes.Add(1, new KeyValuePair<string, object?>("outcome", name));
        return outcome;
    }

    // The URL is never logged: receivers often put a token in it.
    [LoggerMessage(LogLevel.Information, "Webhook notice {DeliveryId} delivered on attempt {Attempt} (HTTP {Status})")]
    private partial void LogDelivered(string deliveryId, int attempt, int status);

    [LoggerMessage(LogLevel.Warning, "Webhook notice {DeliveryId} attempt {Attempt} failed ({Why}); retrying in {Delay}")]
    private partial void LogRetrying(string deliveryId, int attempt, string why, TimeSpan delay);

    [LoggerMessage(LogLevel.Error, "Webhook notice {DeliveryId} given up after attempt {Attempt}: {Why}")]
    private partial void LogGaveUp(string deliveryId, int attempt, string why);

    [LoggerMessage(LogLevel.Error, "A message on the notice queue is not a webhook notice; moved to {PoisonQueue} as received")]
    private partial void LogNotANotice(string poisonQueue);
}
