using System.Diagnostics;
using PromptQueue.Contracts;
using PromptQueue.Core.Storage;

namespace PromptQueue.Core.Telemetry;

/// <summary>
/// The job lifecycle metrics. The job processor calls one of these at each point where a delivery settles, after its
/// write succeeded, so every count matches a stored status change.
/// </summary>
/// <remarks>
/// Queue time and end-to-end time are recorded once per job, when it finishes, from the times stored on its record:
/// a job retried five times counts once, and the numbers agree with what <c>promptq show</c> prints.
/// </remarks>
public static class JobTelemetry
{
    /// <summary>Tag naming why a job waits or was refused.</summary>
    public const string ReasonTag = "reason";

    /// <summary>Tag naming how a finished job ended: completed or failed.</summary>
    public const string OutcomeTag = "promptqueue.job.outcome";

    /// <summary>The reason of a delivery that found its job claimed by another worker.</summary>
    public const string HeldByClaim = "claimed_elsewhere";

    /// <summary>The reason of a delivery that arrived before its job was due again.</summary>
    public const string HeldUntilDue = "not_due";

    /// <summary>A job completed: counts it and records its queue time, end-to-end time, tokens and cost.</summary>
    public static void Completed(JobRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var model = new KeyValuePair<string, object?>(GenAiAttributes.ResponseModel, record.UsedModel ?? record.RequestedModel);
        PromptQueueTelemetry.JobsCompleted.Add(1, model);
        RecordTimes(record, "completed");
        RecordTokens(record.PromptTokens, GenAiAttributes.TokenTypeInput, model);
        RecordTokens(record.CompletionTokens, GenAiAttributes.TokenTypeOutput, model);
        RecordTokens(record.ReasoningTokens, "reasoning", model);
        if (record.Cost is { } cost)
        {
            PromptQueueTelemetry.JobCost.Record(cost, model);
        }
    }

    /// <summary>A job failed for good: counts it by error code and records its queue time and end-to-end time.</summary>
    public static void Failed(JobRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        PromptQueueTelemetry.JobsFailed.Add(1, new KeyValuePair<string, object?>(GenAiAttributes.ErrorType, record.ErrorCode ?? "unknown"));
        RecordTimes(record, "failed");
    }

    /// <summary>A message was rejected as an invalid job.</summary>
    public static void Rejected() => PromptQueueTelemetry.JobsRejected.Add(1);

    /// <summary>The host gave up on a job's message and the job was dead-lettered.</summary>
    public static void DeadLettered() => PromptQueueTelemetry.JobsDeadLettered.Add(1);

    /// <summary>
    /// A job was put back on the queue with a delay. <paramref name="reason"/> is the record's wait reason (a
    /// <see cref="WaitReason"/> name), or <see cref="HeldByClaim"/> or <see cref="HeldUntilDue"/> for a delivery held
    /// back. (Calls refused with a 429 are counted by the chat client itself, in <c>promptqueue.calls.rate_limited</c>.)
    /// </summary>
    public static void Deferred(string reason)
    {
        ArgumentException.ThrowIfNullOrEmpty(reason);
        PromptQueueTelemetry.JobsDeferred.Add(1, new KeyValuePair<string, object?>(ReasonTag, reason));
    }

    /// <summary>A delivery found its job claimed by another worker, or not yet due, and re-sent it for later.</summary>
    public static void Held(JobRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        Deferred(record.Status == JobStatus.Running ? HeldByClaim : HeldUntilDue);
    }

    private static void RecordTimes(JobRecord record, string outcome)
    {
        var tag = new KeyValuePair<string, object?>(OutcomeTag, outcome);
        if (record.QueuedAt is not { } queuedAt)
        {
            return;
        }

        if (record.StartedAt is { } startedAt)
        {
            PromptQueueTelemetry.JobQueueDuration.Record(Seconds(startedAt - queuedAt), tag);
        }

        if (record.CompletedAt is { } completedAt)
        {
            PromptQueueTelemetry.JobDuration.Record(Seconds(completedAt - queuedAt), tag);
        }
    }

    private static void RecordTokens(int? count, string tokenType, KeyValuePair<string, object?> model)
    {
        if (count is { } tokens)
        {
            PromptQueueTelemetry.JobTokens.Record(tokens, new TagList { model, { GenAiAttributes.TokenType, tokenType } });
        }
    }

    // Clocks of different machines stamp the times, so a small negative difference is clock skew, not time travel.
    private static double Seconds(TimeSpan elapsed) => Math.Max(0, elapsed.TotalSeconds);
}
