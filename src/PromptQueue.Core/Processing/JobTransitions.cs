using PromptQueue.Contracts;
using PromptQueue.Core.Storage;

namespace PromptQueue.Core.Processing;

/// <summary>
/// The job's allowed status changes, written down once. <see cref="JobLifecycle"/> applies every change and checks it
/// with <see cref="Move"/>; a change not listed is a bug, and it throws before anything is written.
/// </summary>
/// <remarks>
/// <code>
///   (new) ─► Queued ─► Running ─► Completed
///   (new) ─► Rejected            ├─► Failed ───────┐
///                                ├─► Waiting ─► Running (its slot, its backoff or its parent came)
///   Queued, Waiting ─► Cancelled └─► Running (a claim that lapsed is taken over)
///   Queued, Waiting, Running, (new) ─► DeadLettered (the host gave up on its message)
///   Failed, DeadLettered ─► Queued (retried) ◄───────┘
/// </code>
/// A new record starts as Queued, Rejected or DeadLettered (<see cref="JobLifecycle.Queued"/>,
/// <see cref="JobLifecycle.Rejected"/>, <see cref="JobLifecycle.DeadLettered"/>). Completed, Rejected and Cancelled are
/// final; Failed and DeadLettered end a job until someone retries it.
/// </remarks>
public static class JobTransitions
{
    private static readonly Dictionary<JobStatus, JobStatus[]> Allowed = new()
    {
        [JobStatus.Queued] = [JobStatus.Running, JobStatus.Cancelled, JobStatus.DeadLettered],
        [JobStatus.Waiting] = [JobStatus.Running, JobStatus.Cancelled, JobStatus.DeadLettered],
        [JobStatus.Running] = [JobStatus.Running, JobStatus.Waiting, JobStatus.Completed, JobStatus.Failed, JobStatus.DeadLettered],
        [JobStatus.Failed] = [JobStatus.Queued],
        [JobStatus.DeadLettered] = [JobStatus.Queued],
        [JobStatus.Completed] = [],
        [JobStatus.Rejected] = [],
        [JobStatus.Cancelled] = [],
    };

    /// <summary>True when a job in <paramref name="from"/> may move to <paramref name="to"/>.</summary>
    public static bool IsAllowed(JobStatus from, JobStatus to) => Allowed.TryGetValue(from, out var next) && next.Contains(to);

    /// <summary>
    /// Moves <paramref name="record"/> to <paramref name="to"/>, the one place a stored job's status is set; throws, and
    /// changes nothing, when that is not one of the job's transitions.
    /// </summary>
    internal static void Move(JobRecord record, JobStatus to)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (!IsAllowed(record.Status, to))
        {
            throw new InvalidOperationException($"Job {record.JobId} cannot go from {record.Status} to {to}: that is not one of the job's transitions (see JobTransitions).");
        }

        record.Status = to;
    }
}
