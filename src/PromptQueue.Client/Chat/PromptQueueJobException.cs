using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;

namespace PromptQueue.Client;

/// <summary>A job that a <see cref="PromptQueueChatClient"/> submitted ended without an answer (Failed, Rejected, Cancelled or DeadLettered).</summary>
public sealed class PromptQueueJobException : Exception
{
    public PromptQueueJobException()
        : base("The PromptQueue job did not complete.")
    {
    }

    public PromptQueueJobException(string message)
        : base(message)
    {
    }

    public PromptQueueJobException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a job that ended as <paramref name="job"/> shows.</summary>
    public PromptQueueJobException(JobView job)
        : base(Describe(job))
    {
        Job = job;
    }

    /// <summary>The job as it ended, with its <see cref="JobView.Error"/>; null only from the general-purpose constructors.</summary>
    public JobView? Job { get; }

    /// <summary>The job's id, under which the API and <c>promptq status</c> show it.</summary>
    public string? JobId => Job?.Id;

    /// <summary>How the job ended.</summary>
    public JobStatus? Status => Job?.Status;

    private static string Describe(JobView job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var error = job.Error is { } e ? $"{e.Code}: {e.Message}" : "no error was recorded";
        return $"PromptQueue job {job.Id} ended {job.Status}: {error}";
    }
}
