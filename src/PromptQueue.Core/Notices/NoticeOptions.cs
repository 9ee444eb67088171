using System.ComponentModel.DataAnnotations;

namespace PromptQueue.Core.Notices;

/// <summary>Completion notices: a small message on a results queue and a signed webhook POST, each off until configured.</summary>
/// <remarks>
/// Both channels are off by default, so that an existing deployment does not start filling a queue nobody reads or
/// calling a URL nobody set. Jobs cannot name their own webhook URL: a worker that POSTs wherever a job says is a
/// server-side request forgery tool, so the one URL comes from configuration.
/// </remarks>
public sealed class NoticeOptions : IValidatableObject
{
    public const string SectionName = "PromptQueue:Notices";

    private const string QueueNamePattern = "^[a-z0-9](?!.*--)[a-z0-9-]{1,54}[a-z0-9]$";

    /// <summary>Put a notice on <see cref="ResultsQueue"/> when a job finishes.</summary>
    public bool ResultsQueueEnabled { get; set; }

    [Required, RegularExpression(QueueNamePattern, ErrorMessage = "ResultsQueue must be a valid queue name of at most 56 characters.")]
    public string ResultsQueue { get; set; } = "prompt-results";

    /// <summary>Where webhook notices are POSTed; empty turns webhooks off. https, or http to localhost for tests.</summary>
    public string? WebhookUrl { get; set; }

    /// <summary>The HMAC-SHA256 key that signs every webhook notice. Required with a webhook; never logged or stored.</summary>
    public string? WebhookSecret { get; set; }

    /// <summary>The durable queue of webhook notices still to deliver; the observer writes it, the deliverer drains it.</summary>
    [Required, RegularExpression(QueueNamePattern, ErrorMessage = "NoticeQueue must be a valid queue name of at most 56 characters, so that its '-poison' queue is valid too.")]
    public string NoticeQueue { get; set; } = "prompt-notices";

    /// <summary>
    /// Whether a configured channel is used for a job that does not say (<c>notify</c> left out). False makes every
    /// channel opt-in per job.
    /// </summary>
    public bool NotifyByDefault { get; set; } = true;

    /// <summary>Webhook deliveries tried per notice before it is given up.</summary>
    [Range(1, 50)]
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Delay before the second delivery; each later one doubles, with jitter, up to <see cref="RetryMaxDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(10);

    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long one webhook POST may take.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan WebhookTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Minimum length of <see cref="WebhookSecret"/>: a short key is guessable from signed bodies. Fifteen mixed
    /// letters and digits are about 89 bits, and it is what <c>azd</c> generates for the deployment's secret.
    /// </summary>
    public const int MinSecretLength = 15;

    public bool WebhookEnabled => !string.IsNullOrWhiteSpace(WebhookUrl);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!WebhookEnabled)
        {
            yield break;
        }

        if (!Uri.TryCreate(WebhookUrl, UriKind.Absolute, out var url)
            || !(url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && url.IsLoopback)))
        {
            yield return new ValidationResult(
                "WebhookUrl must be an absolute https URL (plain http is allowed only to localhost or 127.0.0.1, for tests).",
                [nameof(WebhookUrl)]);
        }

        // The message names the rule, never the value.
        if (WebhookSecret is not { Length: >= MinSecretLength })
        {
            yield return new ValidationResult(
                $"WebhookSecret must be set, at least {MinSecretLength} characters, when WebhookUrl is set.",
                [nameof(WebhookSecret)]);
        }
    }
}
