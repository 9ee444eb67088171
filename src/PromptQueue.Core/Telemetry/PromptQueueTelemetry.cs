using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace PromptQueue.Core.Telemetry;

/// <summary>
/// PromptQueue's traces and metrics: one <see cref="ActivitySource"/> and one <see cref="Meter"/>, both named
/// <see cref="Name"/>, and every instrument they feed.
/// </summary>
/// <remarks>
/// Core emits through <c>System.Diagnostics</c> only and carries no OpenTelemetry SDK: a host subscribes by name
/// (<c>AddSource(PromptQueueTelemetry.Name)</c>, <c>AddMeter(PromptQueueTelemetry.Name)</c>) and picks the exporters.
/// Model calls follow the OpenTelemetry GenAI semantic conventions (<see cref="ChatCallTelemetry"/>); the job
/// lifecycle is recorded by <see cref="JobTelemetry"/>. No prompt, answer or reasoning text is ever recorded.
/// </remarks>
public static class PromptQueueTelemetry
{
    /// <summary>The name of the activity source and of the meter.</summary>
    public const string Name = "PromptQueue";

    /// <summary>Instrument names, as a dashboard or a test looks them up.</summary>
    public static class Instruments
    {
        public const string GenAiOperationDuration = "gen_ai.client.operation.duration";
        public const string GenAiTokenUsage = "gen_ai.client.token.usage";
        public const string JobsCompleted = "promptqueue.jobs.completed";
        public const string JobsFailed = "promptqueue.jobs.failed";
        public const string JobsRejected = "promptqueue.jobs.rejected";
        public const string JobsDeferred = "promptqueue.jobs.deferred";
        public const string CallsRateLimited = "promptqueue.calls.rate_limited";
        public const string JobsDeadLettered = "promptqueue.jobs.dead_lettered";
        public const string JobQueueDuration = "promptqueue.job.queue.duration";
        public const string JobDuration = "promptqueue.job.duration";
        public const string JobTokens = "promptqueue.job.tokens";
        public const string JobCost = "promptqueue.job.cost";
    }

    private static readonly string? Version = typeof(PromptQueueTelemetry).Assembly.GetName().Version?.ToString();

    internal static readonly ActivitySource ActivitySource = new(Name, Version);

    internal static readonly Meter Meter = new(Name, Version);

    // Bucket boundaries the GenAI conventions advise for these two histograms.
    private static readonly double[] DurationBuckets = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
    private static readonly long[] TokenBuckets = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];

    // Jobs wait and run for seconds to hours (rate-limit waits last until the next UTC day).
    private static readonly double[] JobDurationBuckets = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400];

    internal static readonly Histogram<double> GenAiOperationDuration = Meter.CreateHistogram(
        Instruments.GenAiOperationDuration, "s", "Duration of GenAI client operations.",
        tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });

    internal static readonly Histogram<long> GenAiTokenUsage = Meter.CreateHistogram(
        Instruments.GenAiTokenUsage, "{token}", "Number of input and output tokens used per GenAI call.",
        tags: null, advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = TokenBuckets });

    internal static readonly Counter<long> JobsCompleted = Meter.CreateCounter<long>(
        Instruments.JobsCompleted, "{job}", "Jobs that completed with an answer.");

    internal static readonly Counter<long> JobsFailed = Meter.CreateCounter<long>(
        Instruments.JobsFailed, "{job}", "Jobs that failed for good.");

    internal static readonly Counter<long> JobsRejected = Meter.CreateCounter<long>(
        Instruments.JobsRejected, "{job}", "Messages rejected as invalid jobs.");

    internal static readonly Counter<long> JobsDeferred = Meter.CreateCounter<long>(
        Instruments.JobsDeferred, "{job}", "Deliveries that put their job back on the queue with a delay, by reason.");

    internal static readonly Counter<long> CallsRateLimited = Meter.CreateCounter<long>(
        Instruments.CallsRateLimited, "{call}", "Model calls refused with a rate limit (429), by reason.");

    internal static readonly Counter<long> JobsDeadLettered = Meter.CreateCounter<long>(
        Instruments.JobsDeadLettered, "{job}", "Jobs whose message the host gave up on.");

    internal static readonly Histogram<double> JobQueueDuration = Meter.CreateHistogram(
        Instruments.JobQueueDuration, "s", "Time a finished job waited from being queued to its first start.",
        tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = JobDurationBuckets });

    internal static readonly Histogram<double> JobDuration = Meter.CreateHistogram(
        Instruments.JobDuration, "s", "End-to-end time of a finished job, from being queued to completing or failing.",
        tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = JobDurationBuckets });

    internal static readonly Histogram<long> JobTokens = Meter.CreateHistogram(
        Instruments.JobTokens, "{token}", "Tokens of a completed job, by token type (input, output, reasoning).",
        tags: null, advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = TokenBuckets });

    internal static readonly Histogram<double> JobCost = Meter.CreateHistogram<double>(
        Instruments.JobCost, "{credit}", "Cost of a completed job in OpenRouter credits (about USD); 0 on free models.");
}
