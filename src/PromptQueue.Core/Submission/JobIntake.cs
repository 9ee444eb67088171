using System.Text;
using Microsoft.Extensions.Options;
using PromptQueue.Contracts;
using PromptQueue.Core.Processing;
using PromptQueue.Core.Storage;

namespace PromptQueue.Core.Submission;

/// <summary>What became of a job handed in whole (over HTTP, or by the CLI through the same path).</summary>
public enum JobIntakeOutcome
{
    /// <summary>Stored and queued now.</summary>
    Created,

    /// <summary>The same job (by its id or idempotency key) was handed in before; nothing changed.</summary>
    AlreadyKnown,

    /// <summary>The payload is not a valid job; <see cref="JobIntakeResult.Errors"/> say where.</summary>
    Invalid,

    /// <summary>The job continues a parent that cannot be continued (see <see cref="ParentJobs.CheckExistsAsync"/>).</summary>
    BadParent,

    /// <summary>The idempotency key was used before for a different request.</summary>
    IdempotencyKeyReused,

    /// <summary>The job's id belongs to a different job.</summary>
    IdInUse,
}

/// <summary>The result of <see cref="JobIntake.SubmitAsync"/>.</summary>
/// <param name="Outcome">What happened.</param>
/// <param name="JobId">The job's id, when it was stored now or before.</param>
/// <param name="Status">Its status as stored.</param>
/// <param name="Errors">What is wrong, when the job was refused for its content or its id.</param>
public sealed record JobIntakeResult(JobIntakeOutcome Outcome, string? JobId = null, JobStatus Status = JobStatus.Queued, IReadOnlyList<JobValidationError>? Errors = null)
{
    public bool Accepted => Outcome is JobIntakeOutcome.Created or JobIntakeOutcome.AlreadyKnown;
}

/// <summary>
/// Takes in one job as its raw bytes: reads and checks it, checks its parent, binds its idempotency key, and stores and
/// queues it once. The bytes are the payload as sent; how they arrived (a body's size, its content type) is the
/// caller's to check.
/// </summary>
public sealed class JobIntake(
    JobStore store,
    JobSubmitter submitter,
    ParentJobs parents,
    IdempotencyKeys idempotencyKeys,
    IOptions<JobLimits> limits,
    TimeProvider time)
{
    /// <param name="payload">The job as UTF-8 JSON.</param>
    /// <param name="idempotencyKey">A key already checked with <see cref="IdempotencyKeys.IsValid"/>, or null.</param>
    /// <param name="source">Where the job came from (<see cref="JobSources"/>).</param>
    /// <param name="cancellationToken">Stops the reads and writes.</param>
    public async Task<JobIntakeResult> SubmitAsync(byte[] payload, string? idempotencyKey, string source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var read = PromptJobReader.Read(payload, limits.Value);
        if (!read.IsValid)
        {
            return new JobIntakeResult(JobIntakeOutcome.Invalid, Errors: read.Errors);
        }

        if (await parents.CheckExistsAsync(read.Job!.ParentJobId, cancellationToken) is { } parentError)
        {
            return new JobIntakeResult(JobIntakeOutcome.BadParent, Errors: [parentError]);
        }

        var json = Encoding.UTF8.GetString(payload);
        var jobId = read.Job.Id ?? JobIds.New(time.GetUtcNow());
        var binding = idempotencyKey is null ? null : await idempotencyKeys.BindAsync(idempotencyKey, jobId, JobLifecycle.RequestHashOf(json), cancellationToken);
        if (binding is not null && !JobLifecycle.IsSameRequest(binding.RequestHash, json))
        {
            return new JobIntakeResult(JobIntakeOutcome.IdempotencyKeyReused);
        }

        var submission = await submitter.SubmitAsync(
            read.Job, json, binding?.JobId ?? jobId, source, binding is null ? null : record => record.IdempotencyKeyPartition = IdempotencyKeys.PartitionFor(idempotencyKey!), cancellationToken);
        if (!submission.Accepted)
        {
            if (binding is { Created: true })
            {
                await idempotencyKeys.ReleaseAsync(idempotencyKey!, cancellationToken);
            }

            return new JobIntakeResult(JobIntakeOutcome.IdInUse, Errors: submission.Errors);
        }

        if (submission.Created)
        {
            return new JobIntakeResult(JobIntakeOutcome.Created, submission.JobId);
        }

        var status = (await store.FindAsync(submission.JobId!, cancellationToken))?.Status ?? JobStatus.Queued;
        return new JobIntakeResult(JobIntakeOutcome.AlreadyKnown, submission.JobId, status);
    }
}
