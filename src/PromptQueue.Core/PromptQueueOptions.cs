using System.ComponentModel.DataAnnotations;

namespace PromptQueue.Core;

/// <summary>Where PromptQueue keeps its work and how hard it tries.</summary>
public sealed class PromptQueueOptions
{
    public const string SectionName = "PromptQueue";

    /// <summary>The name of the app setting that holds the storage connection (shared with the Functions host).</summary>
    public const string StorageConnectionName = "AzureWebJobsStorage";

    /// <summary>The job queue; the Functions host adds "-poison" for the messages it gives up on.</summary>
    [Required, RegularExpression("^[a-z0-9](?!.*--)[a-z0-9-]{1,54}[a-z0-9]$", ErrorMessage = "JobQueue must be a valid queue name of at most 56 characters, so that its '-poison' queue is valid too.")]
    public string JobQueue { get; set; } = "prompt-jobs";

    [Required, RegularExpression("^[A-Za-z][A-Za-z0-9]{2,62}$", ErrorMessage = "JobTable must be a valid table name.")]
    public string JobTable { get; set; } = "PromptJobs";

    /// <summary>Batch headers and items of bulk work (see docs/batches.md).</summary>
    [Required, RegularExpression("^[A-Za-z][A-Za-z0-9]{2,62}$", ErrorMessage = "BatchTable must be a valid table name.")]
    public string BatchTable { get; set; } = "PromptBatches";

    /// <summary>How many model calls one job may make before it is marked Failed. Rate-limit waits do not count.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 6;

    /// <summary>
    /// How long a worker's claim on a running job lasts without renewal. The worker renews it every half of this while
    /// its model call runs, however long that takes; a job whose worker vanished is taken over about this long after
    /// the worker's last renewal, by the claim's watch on the job queue.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:04", "1.00:00:00")]
    public TimeSpan ClaimDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>First retry delay after a transient failure; later ones double, with full jitter.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(10);

    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// A paid model to use instead of a free one when the free variant is gone (404) or today's free requests are
    /// spent, for example <c>openai/gpt-oss-120b</c>. Empty (the default) turns fallback off: it costs money.
    /// </summary>
    [RegularExpression("^$|^[A-Za-z0-9][A-Za-z0-9._/:@-]{0,199}$", ErrorMessage = "FallbackModel must be a model id such as openai/gpt-oss-120b.")]
    public string? FallbackModel { get; set; }

    /// <summary>The longest Retry-After honoured; a larger one from a misbehaving server is cut to this.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long to hold jobs back after the API rejects the account itself (bad key, no credits).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan SystemicFailurePause { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>First wait of a job whose parent is unfinished; each later wait doubles, up to <see cref="ParentWaitMaxDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan ParentWaitBaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest wait between two looks at an unfinished parent.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ParentWaitMaxDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long after its own submission a job waits for a parent that does not exist yet before failing with
    /// <c>parent_not_found</c>: jobs sent together as inline queue messages may arrive in any order.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan ParentArrivalGrace { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long after its own submission a job waits for an unfinished parent before failing with
    /// <c>parent_timeout</c>: long enough for a parent held by the daily quota, short enough that a parent stuck for
    /// good does not keep its children polling forever.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan ParentWaitLimit { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How long a job must be overdue before the recovery sweep counts it as stranded (a Queued job whose message was
    /// never sent, a claim that lapsed with no watch message left). A Queued job's message normally goes out within
    /// milliseconds, and a lapsed claim's message returns within seconds; this leaves them time to come first.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan StrandedAfter { get; set; } = TimeSpan.FromMinutes(5);
}
