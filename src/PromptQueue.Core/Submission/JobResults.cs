using PromptQueue.Core.Storage;

namespace PromptQueue.Core.Submission;

/// <summary>A job with its long texts, as a reader wants it.</summary>
public sealed record JobResult(JobRecord Record, string? Answer, string? Reasoning, string? ReasoningDetails, string? ToolCalls, string? Payload);

/// <summary>Reads jobs and their results.</summary>
public sealed class JobResults(JobStore store)
{
    public async Task<JobResult?> GetAsync(string jobId, CancellationToken cancellationToken)
    {
        var record = await store.FindAsync(jobId, cancellationToken);
        if (record is null)
        {
            return null;
        }

        return new JobResult(
            record,
            await store.ReadTextAsync(record, JobText.Answer, cancellationToken),
            await store.ReadTextAsync(record, JobText.Reasoning, cancellationToken),
            await store.ReadTextAsync(record, JobText.ReasoningDetails, cancellationToken),
            await store.ReadTextAsync(record, JobText.ToolCalls, cancellationToken),
            await store.ReadTextAsync(record, JobText.Payload, cancellationToken));
    }
}
