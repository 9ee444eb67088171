using System.Text.Json;
using PromptQueue.Contracts.Api;

namespace PromptQueue.Core.Storage;

/// <summary>Turns stored job rows into the API's wire shapes.</summary>
public static class JobViews
{
    /// <summary>The job as <c>GET /api/jobs/{id}</c> shows it, with its answer and tool calls read from their rows.</summary>
    public static JobView From(JobRecord record, string? answer, string? toolCallsJson, string? logprobsJson = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new JobView
        {
            Id = record.JobId,
            Status = record.Status,
            Source = record.Source,
            ParentJobId = record.ParentJobId,
            BatchId = record.BatchId,
            QueuedAt = record.QueuedAt,
            StartedAt = record.StartedAt,
            CompletedAt = record.CompletedAt,
            NextAttemptAt = record.NextAttemptAt,
            WaitReason = record.WaitReason,
            Attempts = record.Attempts,
            Model = record.RequestedModel,
            UsedModel = record.UsedModel,
            Provider = record.Provider,
            Answer = answer,
            FinishReason = record.FinishReason,
            Usage = UsageOf(record),
            Cost = record.Cost,
            ToolCalls = toolCallsJson is null ? null : Parse(toolCallsJson),
            Logprobs = logprobsJson is null ? null : Parse(logprobsJson),
            HasReasoning = record.ReasoningChunks > 0 || record.ReasoningDetailsChunks > 0,
            Error = ErrorOf(record),
        };
    }

    /// <summary>The job's token counts, or null before any model call reported them; the same in every shape the job is shown in.</summary>
    public static JobUsage? UsageOf(JobRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.TotalTokens is null && record.PromptTokens is null && record.CompletionTokens is null
            ? null
            : new JobUsage(record.PromptTokens, record.CompletionTokens, record.ReasoningTokens, record.CachedTokens, record.TotalTokens);
    }

    /// <summary>Why the job failed, was rejected or dead-lettered, or null when nothing went wrong.</summary>
    public static JobError? ErrorOf(JobRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.ErrorCode is null && record.ErrorMessage is null ? null : new JobError(record.ErrorCode, record.ErrorMessage, record.ErrorHttpStatus);
    }

    private static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
