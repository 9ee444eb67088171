using System.Text;
using Microsoft.Extensions.Options;
using PromptQueue.Contracts;
using PromptQueue.Core.Processing;
using PromptQueue.Core.Storage;
using PromptQueue.Core.Telemetry;

namespace PromptQueue.Core.Submission;

/// <summary>The result of a submission: the job's id and whether it is new, or why it was refused.</summary>
public sealed record JobSubmission(string? JobId, bool Created, IReadOnlyList<JobValidationError> Errors)
{
    public bool Accepted => JobId is not null;
}

/// <summary>Stores a job as Queued and puts a reference to it on the job queue.</summary>
/// <remarks>
/// A job that names its own id is idempotent: the same id with the same request returns the existing job, while the
/// same id with a different request is refused.
/// </remarks>
public sealed class JobSubmitter(JobStore store, JobQueueClient queue, JobLifecycle records, IOptions<JobLimits> limits, TimeProvider time)
{
    public Task<JobSubmission> SubmitAsync(string json, string source, CancellationToken cancellationToken) =>
        SubmitAsync(json, source, jobId: null, stamp: null, cancellationToken);

    /// <summary>
    /// Submits a job under an id chosen beforehand (a batch item's), letting <paramref name="stamp"/> add to the new
    /// record (its batch). Idempotent like any job with an id: a second call finds the job and changes nothing.
    /// </summary>
    public async Task<JobSubmission> SubmitAsync(string json, string source, string? jobId, Action<JobRecord>? stamp, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(json);
        var read = PromptJobReader.Read(Encoding.UTF8.GetBytes(json), limits.Value);
        if (!read.IsValid)
        {
            return new JobSubmission(null, false, read.Errors);
        }

        var job = read.Job!;
        return await SubmitAsync(job, json, jobId ?? job.Id ?? JobIds.New(time.GetUtcNow()), source, stamp, cancellationToken);
    }

    /// <summary>
    /// Stores a job already read from <paramref name="json"/> under <paramref name="jobId"/>, and enqueues it;
    /// <paramref name="stamp"/>, when given, adds to the new record (a batch item's batch).
    /// </summary>
    public async Task<JobSubmission> SubmitAsync(PromptJob job, string json, string jobId, string source, Action<JobRecord>? stamp, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(json);
        using var activity = JobTracing.StartSubmit(jobId, source);
        var record = records.Queued(jobId, job, json, source);
        stamp?.Invoke(record);
        if (await store.TryCreateAsync(record, JobLifecycle.RequestText(json), cancellationToken))
        {
            await queue.EnqueueAsync(jobId, cancellationToken);
            return new JobSubmission(jobId, true, []);
        }

        var existing = await store.FindAsync(jobId, cancellationToken);
        if (existing is null || !JobLifecycle.IsSameRequest(existing.RequestHash, json))
        {
            return new JobSubmission(null, false, [new JobValidationError("$.id", $"job id '{jobId}' is already used by a different job")]);
        }

        if (existing.Status == JobStatus.Queued)
        {
            // The first submission may have stopped between storing the job and enqueueing it; a second
            // message is harmless because the processor claims each job once.
            await queue.EnqueueAsync(jobId, cancellationToken);
        }

        return new JobSubmission(jobId, false, []);
    }
}
