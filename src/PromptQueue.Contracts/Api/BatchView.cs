using System.Text.Json;
using System.Text.Json.Serialization;

namespace PromptQueue.Contracts.Api;

/// <summary>Where a batch is in its life. JSON carries the name.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<BatchStatus>))]
public enum BatchStatus
{
    /// <summary>Stored; the dispatcher releases its items into the job queue as the budget allows.</summary>
    Dispatching,

    /// <summary>Every item is released; some jobs are still running or waiting.</summary>
    Running,

    /// <summary>Every item has reached a terminal status.</summary>
    Completed,

    /// <summary>Cancelled: items not yet released will not run; released ones finish.</summary>
    Cancelled,
}

/// <summary>The answer to <c>POST /api/batches</c>.</summary>
public sealed record BatchAccepted(string Id, BatchStatus Status, int Items, string StatusUrl);

/// <summary>A batch as <c>GET /api/batches/{id}</c> shows it.</summary>
public sealed record BatchView
{
    public required string Id { get; init; }

    public required BatchStatus Status { get; init; }

    /// <summary>The schedule that created the batch, if any.</summary>
    public string? Schedule { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? CompletedAt { get; init; }

    public int Items { get; init; }

    /// <summary>Items not yet released into the job queue.</summary>
    public int Pending { get; init; }

    /// <summary>Items per job status, for the released ones (Queued, Waiting, Running, Completed, ...).</summary>
    public IReadOnlyDictionary<JobStatus, int> Counts { get; init; } = new Dictionary<JobStatus, int>();

    /// <summary>The share of items that reached a terminal status, 0 to 1.</summary>
    public double Progress { get; init; }

    /// <summary>When the last item should finish, from the remaining items and the shared budget's pace.</summary>
    public DateTimeOffset? EstimatedCompletionAt { get; init; }

    public BatchUsage Usage { get; init; } = new(0, 0, 0, 0);
}

/// <summary>Tokens and cost summed over a batch's finished jobs, or over a UTC day.</summary>
public sealed record BatchUsage(long PromptTokens, long CompletionTokens, long TotalTokens, double Cost);

/// <summary>One line of <c>GET /api/batches/{id}/results</c> (JSONL, in input order).</summary>
public sealed record BatchResultLine
{
    /// <summary>The item's position in the submitted batch, from 0.</summary>
    public int Index { get; init; }

    public string? CustomId { get; init; }

    public required string JobId { get; init; }

    /// <summary>The job's status, or null when the item was never released (cancelled before dispatch).</summary>
    public JobStatus? Status { get; init; }

    public string? Answer { get; init; }

    public JobUsage? Usage { get; init; }

    public double? Cost { get; init; }

    public JobError? Error { get; init; }

    /// <summary>Present only when the export asked for reasoning.</summary>
    public string? Reasoning { get; init; }

    /// <summary>Present only when the export asked for reasoning.</summary>
    public JsonElement? ReasoningDetails { get; init; }
}
