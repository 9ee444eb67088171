using System.Text.Json.Serialization;

namespace PromptQueue.Contracts;

/// <summary>Where a job is in its life. JSON carries the name.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<JobStatus>))]
public enum JobStatus
{
    /// <summary>Accepted and waiting for a worker.</summary>
    Queued,

    /// <summary>Deferred: the rate budget or a retry backoff holds it until a set time.</summary>
    Waiting,

    /// <summary>A worker holds it and is calling the model.</summary>
    Running,

    Completed,

    /// <summary>The model call failed for good, or every allowed attempt failed.</summary>
    Failed,

    /// <summary>The submitted payload was not a valid job; it is kept for inspection and never run.</summary>
    Rejected,

    Cancelled,

    /// <summary>The Functions host gave up on the message after repeated crashes.</summary>
    DeadLettered,
}

public static class JobStatusExtensions
{
    /// <summary>True when nothing more will happen to the job unless someone retries it.</summary>
    public static bool IsTerminal(this JobStatus status) =>
        status is JobStatus.Completed or JobStatus.Failed or JobStatus.Rejected or JobStatus.Cancelled or JobStatus.DeadLettered;
}
