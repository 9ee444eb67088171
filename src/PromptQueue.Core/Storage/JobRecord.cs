using System.Runtime.Serialization;
using Azure;
using Azure.Data.Tables;
using PromptQueue.Contracts;

namespace PromptQueue.Core.Storage;

/// <summary>The <c>job</c> row of a job's partition: its status and everything known about it except long texts.</summary>
/// <remarks>
/// Long texts (the request, the answer, the reasoning trace, a rejected payload) live in rows of their own in the same
/// partition, because one Table string holds at most 32K characters; this row only counts their chunks.
/// </remarks>
public sealed class JobRecord : ITableEntity
{
    /// <summary>The row key of the job row in its job's partition; the job table's layout is in <c>src/PromptQueue.Core/Storage/README.md</c>.</summary>
    public const string RowKeyValue = "job";

    /// <summary>The job id.</summary>
    public string PartitionKey { get; set; } = "";

    public string RowKey { get; set; } = RowKeyValue;

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    [IgnoreDataMember]
    public string JobId => PartitionKey;

    /// <summary>Stored as the status name, so the table reads well in Storage Explorer.</summary>
    public JobStatus Status { get; set; }

    /// <summary>The job whose conversation this one continues.</summary>
    public string? ParentJobId { get; set; }

    /// <summary>How often the job found its parent unfinished; each wait is longer, up to a cap.</summary>
    public int ParentWaits { get; set; }

    /// <summary>The job's own choice of a results-queue notice; null takes the configured default.</summary>
    public bool? NotifyResultsQueue { get; set; }

    /// <summary>The job's own choice of a webhook notice; null takes the configured default.</summary>
    public bool? NotifyWebhook { get; set; }

    /// <summary>Where the job came from: queue, http, run, batch.</summary>
    public string? Source { get; set; }

    /// <summary>The batch that released the job, if any.</summary>
    public string? BatchId { get; set; }

    /// <summary>The priority the job or its batch asked for; null takes the default, see <see cref="Lane"/>.</summary>
    public JobPriority? Priority { get; set; }

    /// <summary>The budget lane the job's calls take: its own priority, or bulk for a batch item and interactive otherwise.</summary>
    [IgnoreDataMember]
    public JobPriority Lane => Priority ?? (BatchId is null ? JobPriority.Interactive : JobPriority.Bulk);

    /// <summary>The job's item position in its batch, from 0.</summary>
    public int? BatchItemIndex { get; set; }

    /// <summary>SHA-256 of the request, to tell a resubmission of the same job from a clash of ids.</summary>
    public string? RequestHash { get; set; }

    /// <summary>
    /// When the job was first stored, to the millisecond; unlike <see cref="QueuedAt"/> a retry never moves it, because
    /// the job's row in the index of jobs by day is keyed by it. Null on jobs stored before that index existed.
    /// </summary>
    public DateTimeOffset? CreatedAt { get; set; }

    /// <summary>The caller's name for the job: a batch item's custom id.</summary>
    public string? Name { get; set; }

    /// <summary>
    /// The status the job's row in the index of jobs by day was last written with, so that a write that leaves the
    /// status as it is (a claim renewal, a notice delivered) does not write that row again.
    /// </summary>
    public JobStatus? ListedStatus { get; set; }

    /// <summary>The partition of the idempotency key bound to this job, so retention removes the key with the job.</summary>
    public string? IdempotencyKeyPartition { get; set; }

    public DateTimeOffset? QueuedAt { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>When a Waiting job becomes due again.</summary>
    public DateTimeOffset? NextAttemptAt { get; set; }

    /// <summary>
    /// Set in the same write as a terminal status, cleared once every <c>IJobTerminalObserver</c> has seen it: a job
    /// whose mark stays (a stop or a storage fault between the two) is published again by the stranded-job sweep.
    /// </summary>
    public DateTimeOffset? NoticesPendingSince { get; set; }

    /// <summary>Why a Waiting job waits; stored as its name in the <c>WaitReason</c> column, <see cref="StoredWaitReason"/>.</summary>
    [IgnoreDataMember]
    public WaitReason? WaitReason
    {
        get => WaitReasons.Parse(StoredWaitReason);
        set => StoredWaitReason = value?.ToString();
    }

    /// <summary>
    /// The <c>WaitReason</c> column as stored: a <see cref="Contracts.WaitReason"/> name. Rows stored before the set was
    /// closed hold names of it too. A name this version does not know reads as <see cref="WaitReasons.Fallback"/>
    /// instead of failing the row (as an enum column would), and stays as it is until the job waits again.
    /// </summary>
    [DataMember(Name = nameof(WaitReason))]
    public string? StoredWaitReason { get; set; }

    /// <summary>Until when the running worker's claim holds; the worker renews it while its model call runs.</summary>
    public DateTimeOffset? ClaimedUntil { get; set; }

    /// <summary>Names the running worker's claim, and the watch message that brings the job back if the worker vanishes.</summary>
    public string? ClaimToken { get; set; }

    /// <summary>
    /// Model calls made for this job, each counted as it starts (calls the API refused with a 429 included), and kept
    /// across retries.
    /// </summary>
    public int Attempts { get; set; }

    /// <summary>
    /// Calls that failed in a way worth trying again (a server error, a timeout, a broken stream) since the job was last
    /// queued: at <c>PromptQueue:MaxAttempts</c> it gives up. Rate-limit and account refusals never count.
    /// </summary>
    public int FailedCalls { get; set; }

    public string? RequestedModel { get; set; }

    public string? UsedModel { get; set; }

    public string? Provider { get; set; }

    public string? GenerationId { get; set; }

    public string? FinishReason { get; set; }

    public string? NativeFinishReason { get; set; }

    public int? PromptTokens { get; set; }

    public int? CompletionTokens { get; set; }

    public int? ReasoningTokens { get; set; }

    public int? CachedTokens { get; set; }

    public int? TotalTokens { get; set; }

    /// <summary>Cost in OpenRouter credits (USD); zero on free models.</summary>
    public double? Cost { get; set; }

    /// <summary>The first characters of the answer, for listings; the whole answer is in its own rows.</summary>
    public string? AnswerPreview { get; set; }

    public int? ToolCallCount { get; set; }

    public string? ErrorCode { get; set; }

    public string? ErrorMessage { get; set; }

    public int? ErrorHttpStatus { get; set; }

    /// <summary>The provider's own error body, as received (at most 32,000 characters).</summary>
    public string? ErrorRawBody { get; set; }

    public int RequestChunks { get; set; }

    public int AnswerChunks { get; set; }

    public int ReasoningChunks { get; set; }

    public int ReasoningDetailsChunks { get; set; }

    public int ToolCallsChunks { get; set; }

    public int PayloadChunks { get; set; }

    public int ConversationChunks { get; set; }

    public int LogprobsChunks { get; set; }

    // Which write each text's chunk rows belong to (see JobTextRows.RowKey). Null on rows stored before versions
    // existed, whose keys carry none.
    public string? RequestVersion { get; set; }

    public string? AnswerVersion { get; set; }

    public string? ReasoningVersion { get; set; }

    public string? ReasoningDetailsVersion { get; set; }

    public string? ToolCallsVersion { get; set; }

    public string? PayloadVersion { get; set; }

    public string? ConversationVersion { get; set; }

    public string? LogprobsVersion { get; set; }

    /// <summary>Chunk count of the given text stream.</summary>
    public int ChunksOf(JobText text) => text switch
    {
        JobText.Request => RequestChunks,
        JobText.Answer => AnswerChunks,
        JobText.Reasoning => ReasoningChunks,
        JobText.ReasoningDetails => ReasoningDetailsChunks,
        JobText.ToolCalls => ToolCallsChunks,
        JobText.Payload => PayloadChunks,
        JobText.Conversation => ConversationChunks,
        JobText.Logprobs => LogprobsChunks,
        _ => throw new ArgumentOutOfRangeException(nameof(text), text, null),
    };

    /// <summary>The write whose chunk rows the given text stream is, or null for rows without a version.</summary>
    public string? VersionOf(JobText text) => text switch
    {
        JobText.Request => RequestVersion,
        JobText.Answer => AnswerVersion,
        JobText.Reasoning => ReasoningVersion,
        JobText.ReasoningDetails => ReasoningDetailsVersion,
        JobText.ToolCalls => ToolCallsVersion,
        JobText.Payload => PayloadVersion,
        JobText.Conversation => ConversationVersion,
        JobText.Logprobs => LogprobsVersion,
        _ => throw new ArgumentOutOfRangeException(nameof(text), text, null),
    };

    /// <summary>Points the given text stream at <paramref name="count"/> chunk rows of the write <paramref name="version"/>.</summary>
    internal void SetChunks(JobText text, int count, string? version)
    {
        switch (text)
        {
            case JobText.Request: (RequestChunks, RequestVersion) = (count, version); break;
            case JobText.Answer: (AnswerChunks, AnswerVersion) = (count, version); break;
            case JobText.Reasoning: (ReasoningChunks, ReasoningVersion) = (count, version); break;
            case JobText.ReasoningDetails: (ReasoningDetailsChunks, ReasoningDetailsVersion) = (count, version); break;
            case JobText.ToolCalls: (ToolCallsChunks, ToolCallsVersion) = (count, version); break;
            case JobText.Payload: (PayloadChunks, PayloadVersion) = (count, version); break;
            case JobText.Conversation: (ConversationChunks, ConversationVersion) = (count, version); break;
            case JobText.Logprobs: (LogprobsChunks, LogprobsVersion) = (count, version); break;
            default: throw new ArgumentOutOfRangeException(nameof(text), text, null);
        }
    }
}
