using Microsoft.Extensions.Options;
using PromptQueue.Contracts;
using PromptQueue.Core.OpenRouter;
using PromptQueue.Core.Storage;

namespace PromptQueue.Core.Processing;

/// <summary>What a continuing job found when it looked at its parent.</summary>
public abstract record ParentResolution;

/// <summary>The parent completed: <paramref name="History"/> is its conversation with its answer as the last turn.</summary>
public sealed record ParentReady(IReadOnlyList<ChatMessage> History) : ParentResolution;

/// <summary>The parent is not finished (or, briefly, not there yet): the child waits.</summary>
public sealed record ParentPending(string Why) : ParentResolution;

/// <summary>The parent can never be continued: the child fails with <paramref name="Error"/>.</summary>
public sealed record ParentUnusable(ProviderError Error) : ParentResolution;

/// <summary>Finds the conversation a job continues, and tells a submitter whether a named parent exists.</summary>
/// <remarks>
/// A child reads O(1) streams of its parent however long the chain: a parent that was itself a continuation stored
/// every message it sent (<see cref="JobText.Conversation"/>), and a parent of its own is rebuilt from its request.
/// </remarks>
public sealed class ParentJobs(JobStore store, IOptions<JobLimits> limits, IOptions<PromptQueueOptions> options, TimeProvider time)
{
    public const string NotFoundCode = "parent_not_found";
    public const string FailedCode = "parent_failed";
    public const string TimeoutCode = "parent_timeout";
    public const string CycleCode = "parent_cycle";

    /// <summary>How far up an unfinished parent's own ancestors to look for the child, which would make them wait on each other.</summary>
    private const int MaxCycleSearch = 32;
    public const string ParentField = "$.parent_job_id";

    /// <summary>
    /// For the submission path: an error on <c>$.parent_job_id</c> when the named parent does not exist, else null
    /// (also when no parent is named). A parent that failed is accepted: it may be retried before the child runs.
    /// </summary>
    public async Task<JobValidationError?> CheckExistsAsync(string? parentJobId, CancellationToken cancellationToken)
    {
        if (parentJobId is null)
        {
            return null;
        }

        return await store.FindAsync(parentJobId, cancellationToken) is null
            ? new JobValidationError(ParentField, $"job '{parentJobId}' does not exist; submit the parent first")
            : null;
    }

    /// <summary>Looks at the parent of <paramref name="child"/>, which names one in <see cref="PromptJob.ParentJobId"/>.</summary>
    public async Task<ParentResolution> ResolveAsync(JobRecord child, string parentJobId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(child);
        var parent = await store.FindAsync(parentJobId, cancellationToken);
        if (parent is null)
        {
            // Jobs sent together as inline queue messages may be created in any order: give the parent a moment.
            var age = time.GetUtcNow() - (child.QueuedAt ?? time.GetUtcNow());
            return age < options.Value.ParentArrivalGrace
                ? new ParentPending($"parent job '{parentJobId}' does not exist yet")
                : new ParentUnusable(Error(NotFoundCode, $"parent job '{parentJobId}' does not exist"));
        }

        return parent.Status switch
        {
            JobStatus.Completed => new ParentReady(await HistoryOfAsync(parent, cancellationToken)),
            JobStatus.Queued or JobStatus.Waiting or JobStatus.Running => await PendingAsync(child, parent, cancellationToken),
            _ => new ParentUnusable(Error(FailedCode, $"parent job '{parentJobId}' is {parent.Status}" + (parent.ErrorCode is { } code ? $" ({code})" : ""))),
        };
    }

    /// <summary>An unfinished parent: wait for it, unless the two wait on each other or the wait has gone on too long.</summary>
    private async Task<ParentResolution> PendingAsync(JobRecord child, JobRecord parent, CancellationToken cancellationToken)
    {
        var ancestor = parent;
        for (var depth = 0; depth < MaxCycleSearch && ancestor?.ParentJobId is { } next; depth++)
        {
            if (next == child.JobId)
            {
                return new ParentUnusable(Error(CycleCode, $"parent job '{parent.JobId}' descends from this job, so neither could ever run"));
            }

            ancestor = await store.FindAsync(next, cancellationToken);
        }

        var waited = time.GetUtcNow() - (child.QueuedAt ?? time.GetUtcNow());
        return waited < options.Value.ParentWaitLimit
            ? new ParentPending($"parent job '{parent.JobId}' is {parent.Status}")
            : new ParentUnusable(Error(TimeoutCode, $"parent job '{parent.JobId}' is still {parent.Status} after {options.Value.ParentWaitLimit} (PromptQueue:ParentWaitLimit)"));
    }

    /// <summary>How long a child waits before it looks at an unfinished parent again: doubling, up to a cap.</summary>
    public TimeSpan NextWait(int parentWaits)
    {
        // No jitter: each child polls its own parent, so children do not contend with one another.
        var settings = options.Value;
        return Backoff.Delay(parentWaits, settings.ParentWaitBaseDelay, settings.ParentWaitMaxDelay, BackoffJitter.None, Random.Shared);
    }

    private async Task<IReadOnlyList<ChatMessage>> HistoryOfAsync(JobRecord parent, CancellationToken cancellationToken)
    {
        var sent = await store.ReadTextAsync(parent, JobText.Conversation, cancellationToken) is { } conversation
            ? ConversationHistory.Deserialize(conversation)
            : ChatRequestFactory.OwnMessages(await ReadRequestAsync(parent, cancellationToken));
        var answer = ConversationHistory.AssistantTurn(
            await store.ReadTextAsync(parent, JobText.Answer, cancellationToken),
            await store.ReadTextAsync(parent, JobText.ReasoningDetails, cancellationToken),
            await store.ReadTextAsync(parent, JobText.ToolCalls, cancellationToken));
        return [.. sent, answer];
    }

    private async Task<PromptJob> ReadRequestAsync(JobRecord parent, CancellationToken cancellationToken)
    {
        var json = await store.ReadTextAsync(parent, JobText.Request, cancellationToken)
                   ?? throw new InvalidOperationException($"Completed job {parent.JobId} has no stored request.");
        var read = PromptJobReader.Read(json, limits.Value);
        return read.Job ?? throw new InvalidOperationException($"Completed job {parent.JobId} has a stored request that no longer reads: {read.Describe()}");
    }

    private static ProviderError Error(string code, string message) => new(null, code, message, null, null, null);
}
