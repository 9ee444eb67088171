using System.Text.Json;

namespace PromptQueue.Contracts.Api;

/// <summary>The answer to <c>POST /api/jobs</c>: where to find the job that was accepted.</summary>
/// <param name="Id">The job id.</param>
/// <param name="Status">Its status now; a repeated submission reports the existing job's status.</param>
/// <param name="StatusUrl">Where to read it: <c>/api/jobs/{id}</c>, also sent as <c>Location</c>.</param>
/// <param name="Created">False when the same job (same id or idempotency key, same payload) already existed.</param>
public sealed record JobAccepted(string Id, JobStatus Status, string StatusUrl, bool Created);

/// <summary>A job as <c>GET /api/jobs/{id}</c> shows it. The reasoning trace is at <c>/api/jobs/{id}/reasoning</c>.</summary>
public sealed record JobView
{
    public required string Id { get; init; }

    public required JobStatus Status { get; init; }

    /// <summary>How the job arrived: http, queue, run, batch.</summary>
    public string? Source { get; init; }

    /// <summary>The job whose conversation this one continues.</summary>
    public string? ParentJobId { get; init; }

    /// <summary>The batch the job belongs to.</summary>
    public string? BatchId { get; init; }

    public DateTimeOffset? QueuedAt { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>When a Waiting job resumes.</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>
    /// Why a Waiting job waits: one of the closed set <see cref="Contracts.WaitReason"/> (Spacing, DailyLimit,
    /// RateLimitedPerMinute, Parent, ...), sent as its name; <see cref="WaitReasons.Describe"/> says it in plain words.
    /// </summary>
    public WaitReason? WaitReason { get; init; }

    /// <summary>Model calls made so far, each counted as it started; waiting for quota makes none.</summary>
    public int Attempts { get; init; }

    /// <summary>The model the job asked for (or the configured default).</summary>
    public string? Model { get; init; }

    /// <summary>The model that answered, as OpenRouter reports it.</summary>
    public string? UsedModel { get; init; }

    public string? Provider { get; init; }

    public string? Answer { get; init; }

    public string? FinishReason { get; init; }

    public JobUsage? Usage { get; init; }

    /// <summary>Cost in OpenRouter credits (USD); zero on free models.</summary>
    public double? Cost { get; init; }

    /// <summary>Tool calls the model asked for, as OpenRouter sent them.</summary>
    public JsonElement? ToolCalls { get; init; }

    /// <summary>
    /// The answer's log probabilities, <c>{"content":[...],"refusal":[...]}</c> with each token's entry as the provider
    /// sent it; only for a job that asked for <c>logprobs</c>.
    /// </summary>
    public JsonElement? Logprobs { get; init; }

    /// <summary>True when a reasoning trace is stored for the job.</summary>
    public bool HasReasoning { get; init; }

    public JobError? Error { get; init; }
}

/// <summary>Token counts of a job's model call.</summary>
public sealed record JobUsage(int? PromptTokens, int? CompletionTokens, int? ReasoningTokens, int? CachedTokens, int? TotalTokens);

/// <summary>Why a job failed, was rejected or dead-lettered.</summary>
/// <param name="Code">A stable code: the provider's error code, or one of PromptQueue's such as <c>invalid_job</c>.</param>
/// <param name="Message">What went wrong, in words.</param>
/// <param name="HttpStatus">The provider's HTTP status, when the error came from the provider.</param>
public sealed record JobError(string? Code, string? Message, int? HttpStatus);

/// <summary>The full reasoning trace of a job, as <c>GET /api/jobs/{id}/reasoning</c> streams it.</summary>
/// <param name="Id">The job id.</param>
/// <param name="Reasoning">The reasoning text.</param>
/// <param name="ReasoningDetails">OpenRouter's <c>reasoning_details</c> array, byte for byte as received.</param>
public sealed record JobReasoning(string Id, string? Reasoning, JsonElement? ReasoningDetails);
