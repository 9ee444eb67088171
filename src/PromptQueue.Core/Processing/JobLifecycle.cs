using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using PromptQueue.Contracts;
using PromptQueue.Core.OpenRouter;
using PromptQueue.Core.Storage;

namespace PromptQueue.Core.Processing;

/// <summary>Where a job came from.</summary>
public static class JobSources
{
    public const string Queue = "queue";
    public const string Run = "run";
    public const string Http = "http";
    public const string Batch = "batch";
}

/// <summary>
/// The job state machine: creates job records and applies every status change to them, stamping times from one clock.
/// No other code sets <see cref="JobRecord.Status"/>; each change is checked against <see cref="JobTransitions"/>.
/// </summary>
public sealed class JobLifecycle(ChatRequestFactory requests, TimeProvider time)
{
    /// <summary>How much of the answer the job row carries for listings.</summary>
    public const int AnswerPreviewChars = 500;

    /// <summary>The id of a job that arrived in a message without an id of its own.</summary>
    public static string MessageJobId(string messageId) => "msg-" + messageId;

    public JobRecord Queued(string jobId, PromptJob job, string requestJson, string source) => new()
    {
        PartitionKey = jobId,
        Status = JobStatus.Queued,
        Source = source,
        RequestHash = RequestHashOf(requestJson),
        RequestedModel = requests.ModelFor(job),
        QueuedAt = time.GetUtcNow(),
        ParentJobId = job.ParentJobId,
        NotifyResultsQueue = job.Notify?.ResultsQueue,
        NotifyWebhook = job.Notify?.Webhook,
    };

    public JobRecord Rejected(string jobId, string payload, string error) => new()
    {
        PartitionKey = jobId,
        Status = JobStatus.Rejected,
        Source = JobSources.Queue,
        RequestHash = Hash(payload),
        QueuedAt = time.GetUtcNow(),
        CompletedAt = time.GetUtcNow(),
        NoticesPendingSince = time.GetUtcNow(),
        ErrorCode = "invalid_job",
        ErrorMessage = Clip(error),
    };

    public JobRecord DeadLettered(string jobId, string payload)
    {
        var record = new JobRecord { PartitionKey = jobId, Source = JobSources.Queue, RequestHash = Hash(payload), QueuedAt = time.GetUtcNow() };
        MarkDeadLettered(record);
        return record;
    }

    public static Dictionary<JobText, string> RequestText(string requestJson) => new() { [JobText.Request] = requestJson };

    public static Dictionary<JobText, string> PayloadText(string payload) => new() { [JobText.Payload] = payload };

    /// <summary>Claims the job for a worker until <paramref name="claimedUntil"/> under the claim <paramref name="claim"/>; no call is counted yet.</summary>
    public void MarkRunning(JobRecord record, DateTimeOffset claimedUntil, string claim)
    {
        JobTransitions.Move(record, JobStatus.Running);
        record.ClaimToken = claim;
        record.StartedAt ??= time.GetUtcNow();
        record.ClaimedUntil = claimedUntil;
        record.NextAttemptAt = null;
        record.WaitReason = null;
    }

    /// <summary>Counts a model call that is about to start and renews the claim for it.</summary>
    public static void MarkCallStarted(JobRecord record, DateTimeOffset claimedUntil)
    {
        ArgumentNullException.ThrowIfNull(record);
        record.Attempts++;
        record.ClaimedUntil = claimedUntil;
    }

    /// <summary>Renews the claim while the model call runs.</summary>
    public static void MarkClaimRenewed(JobRecord record, DateTimeOffset claimedUntil)
    {
        ArgumentNullException.ThrowIfNull(record);
        record.ClaimedUntil = claimedUntil;
    }

    /// <summary>Fills in the result and returns the long texts to store with it.</summary>
    /// <param name="record">The running job.</param>
    /// <param name="completion">The model's answer.</param>
    /// <param name="request">What was sent. A continuation keeps its messages, so that its own children read one stream.</param>
    public Dictionary<JobText, string> MarkCompleted(JobRecord record, ChatCompletion completion, ChatRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Finish(record, JobStatus.Completed);
        record.UsedModel = completion.Model;
        record.Provider = completion.Provider;
        record.GenerationId = completion.GenerationId;
        record.FinishReason = completion.FinishReason;
        record.NativeFinishReason = completion.NativeFinishReason;
        record.PromptTokens = completion.Usage?.PromptTokens;
        record.CompletionTokens = completion.Usage?.CompletionTokens;
        record.ReasoningTokens = completion.Usage?.ReasoningTokens;
        record.CachedTokens = completion.Usage?.CachedTokens;
        record.TotalTokens = completion.Usage?.TotalTokens;
        record.Cost = completion.Usage?.Cost is { } cost ? (double)cost : null;
        record.AnswerPreview = completion.Content.Length > AnswerPreviewChars ? completion.Content[..AnswerPreviewChars] : completion.Content;
        record.ToolCallCount = completion.ToolCalls.Count;
        ClearError(record);

        var texts = new Dictionary<JobText, string>();
        AddIfPresent(texts, JobText.Answer, completion.Content);
        AddIfPresent(texts, JobText.Reasoning, completion.Reasoning);
        AddIfPresent(texts, JobText.ReasoningDetails, completion.ReasoningDetails is "[]" ? null : completion.ReasoningDetails);
        AddIfPresent(texts, JobText.Logprobs, completion.Logprobs);
        if (completion.ToolCalls.Count > 0)
        {
            texts[JobText.ToolCalls] = JsonSerializer.Serialize(completion.ToolCalls, ContractJson.Options);
        }

        if (record.ParentJobId is not null)
        {
            // A job without a parent needs no copy: its request rebuilds its messages exactly.
            texts[JobText.Conversation] = ConversationHistory.Serialize(request.Messages);
        }

        return texts;
    }

    public void MarkFailed(JobRecord record, ProviderError error, string? summary)
    {
        Finish(record, JobStatus.Failed);
        SetError(record, error, summary);
    }

    /// <summary>Marks the job waiting; a wait for quota has no error of its own and keeps the last one.</summary>
    public static void MarkWaiting(JobRecord record, DateTimeOffset until, WaitReason reason, ProviderError? lastError)
    {
        JobTransitions.Move(record, JobStatus.Waiting);
        record.ClaimedUntil = null;
        record.ClaimToken = null;
        record.NextAttemptAt = until;
        record.WaitReason = reason;
        if (lastError is not null)
        {
            SetError(record, lastError, null);
        }
    }

    public void MarkDeadLettered(JobRecord record)
    {
        Finish(record, JobStatus.DeadLettered);
        record.ErrorCode = "dead_lettered";
        record.ErrorMessage = "The host moved this job's message to the poison queue after repeated failures; the payload is kept.";
    }

    /// <summary>Cancels a job that has not started: it will never run, and its pending message finds it finished.</summary>
    public void MarkCancelled(JobRecord record)
    {
        Finish(record, JobStatus.Cancelled);
        record.NextAttemptAt = null;
        record.WaitReason = null;
    }

    /// <summary>Queues a failed or dead-lettered job again, with a fresh set of tries and no error.</summary>
    public void MarkRetried(JobRecord record)
    {
        JobTransitions.Move(record, JobStatus.Queued);
        record.QueuedAt = time.GetUtcNow();
        record.StartedAt = null;
        record.CompletedAt = null;
        record.NoticesPendingSince = null;
        record.ClaimedUntil = null;
        record.ClaimToken = null;
        record.NextAttemptAt = null;
        record.WaitReason = null;

        // Calls made before stay counted in Attempts; the job gets a fresh set of failures before it gives up again.
        record.FailedCalls = 0;
        ClearError(record);
    }

    /// <summary>Ends the job in <paramref name="status"/>: its finish time, its notices to send, no claim left.</summary>
    private void Finish(JobRecord record, JobStatus status)
    {
        JobTransitions.Move(record, status);
        record.CompletedAt = time.GetUtcNow();
        record.NoticesPendingSince = record.CompletedAt;
        record.ClaimedUntil = null;
        record.ClaimToken = null;
    }

    private static void SetError(JobRecord record, ProviderError error, string? summary)
    {
        record.ErrorCode = error.Code;
        record.ErrorMessage = Clip(summary ?? error.Message);
        record.ErrorHttpStatus = error.HttpStatus;
        record.ErrorRawBody = error.RawBody;
    }

    private static void ClearError(JobRecord record)
    {
        record.ErrorCode = null;
        record.ErrorMessage = null;
        record.ErrorHttpStatus = null;
        record.ErrorRawBody = null;
    }

    private static void AddIfPresent(Dictionary<JobText, string> texts, JobText text, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            texts[text] = value;
        }
    }

    /// <summary>Table strings hold at most 32K characters.</summary>
    private static string Clip(string text) => text.Length <= 8_000 ? text : text[..8_000] + " …";

    /// <summary>The hash of raw text: a rejected or dead-lettered payload is known by its bytes.</summary>
    internal static string Hash(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>
    /// The hash a job row keeps of its request, to tell a resubmission from a clash: of the job's canonical form, so
    /// the same job re-serialised with other whitespace or key order is the same request.
    /// </summary>
    public static string RequestHashOf(string requestJson)
    {
        ArgumentNullException.ThrowIfNull(requestJson);
        var job = JsonSerializer.Deserialize<PromptJob>(requestJson.TrimStart('\uFEFF'), ContractJson.Options)
                  ?? throw new ArgumentException("The request is not a job.", nameof(requestJson));
        return CanonicalJson.Hash(job);
    }

    /// <summary>
    /// True when <paramref name="requestJson"/> is the request a stored hash was made of. Hashes stored before
    /// canonical hashing are of the raw text, and are compared as such.
    /// </summary>
    public static bool IsSameRequest(string? storedHash, string requestJson) =>
        storedHash is not null && (storedHash.StartsWith(CanonicalJson.HashPrefix, StringComparison.Ordinal)
            ? storedHash == RequestHashOf(requestJson)
            : storedHash == Hash(requestJson));
}
