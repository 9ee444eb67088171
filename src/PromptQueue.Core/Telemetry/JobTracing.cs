using System.Diagnostics;
using PromptQueue.Contracts;
using PromptQueue.Core.Processing;

namespace PromptQueue.Core.Telemetry;

/// <summary>
/// The spans of a job's life, one trace from submit to its end: <c>job submit</c> where it is stored and enqueued,
/// then for every delivery <c>job queue wait</c> (from the message's enqueueing to its receipt) and <c>job process</c>,
/// both children of the trace context the message carries. Messages the processing sends on (a wait, a retry, a
/// claim's watch) carry that span's context, so later deliveries join the same trace. Only ids, sources and outcomes
/// are recorded: never prompt, answer or reasoning text.
/// </summary>
public static class JobTracing
{
    public const string SubmitSpan = "job submit";
    public const string QueueWaitSpan = "job queue wait";
    public const string ProcessSpan = "job process";
    public const string JobIdAttribute = "promptqueue.job.id";
    public const string JobSourceAttribute = "promptqueue.job.source";
    public const string OutcomeAttribute = "promptqueue.job.outcome";
    public const string MessageIdAttribute = "messaging.message.id";

    /// <summary>Starts the span of a submission, under the caller's (an HTTP request's, a batch tick's) if there is one.</summary>
    public static Activity? StartSubmit(string jobId, string source)
    {
        var activity = PromptQueueTelemetry.ActivitySource.StartActivity(SubmitSpan, ActivityKind.Producer);
        activity?.SetTag(JobIdAttribute, jobId);
        activity?.SetTag(JobSourceAttribute, source);
        activity?.SetTag("messaging.system", "azure_queue");
        activity?.SetTag("messaging.operation.type", "send");
        return activity;
    }

    /// <summary>
    /// Starts a delivery's span, the child of the trace its message carries (else of the host's own span, such as a
    /// Functions invocation), and records the message's wait on the queue as a span of its own.
    /// </summary>
    public static Activity? StartProcessing(JobDelivery delivery, JobQueueMessage message, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        ArgumentNullException.ThrowIfNull(message);
        var parent = message.TraceParent is { } traceParent && ActivityContext.TryParse(traceParent, message.TraceState, isRemote: true, out var carried)
            ? carried
            : default;
        if (delivery.EnqueuedAt is { } enqueuedAt && enqueuedAt <= now)
        {
            using var wait = PromptQueueTelemetry.ActivitySource.StartActivity(QueueWaitSpan, ActivityKind.Internal, parent, startTime: enqueuedAt);
            wait?.SetTag(MessageIdAttribute, delivery.MessageId);
            wait?.SetTag(JobIdAttribute, message.JobId);
            wait?.SetEndTime(now.UtcDateTime);
        }

        var activity = PromptQueueTelemetry.ActivitySource.StartActivity(ProcessSpan, ActivityKind.Consumer, parent);
        activity?.SetTag(MessageIdAttribute, delivery.MessageId);
        activity?.SetTag("messaging.system", "azure_queue");
        activity?.SetTag("messaging.operation.type", "process");
        if (message.JobId is { } jobId)
        {
            activity?.SetTag(JobIdAttribute, jobId);
        }

        return activity;
    }

    /// <summary>Records what the delivery came to.</summary>
    public static void Finish(Activity? activity, string jobId, string outcome)
    {
        activity?.SetTag(JobIdAttribute, jobId);
        activity?.SetTag(OutcomeAttribute, outcome);
    }
}
