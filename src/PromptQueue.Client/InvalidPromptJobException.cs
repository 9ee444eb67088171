using PromptQueue.Contracts;

namespace PromptQueue.Client;

/// <summary>A job was refused before it was sent: every problem found, each with its field path.</summary>
public sealed class InvalidPromptJobException : ArgumentException
{
    public InvalidPromptJobException()
        : this([])
    {
    }

    public InvalidPromptJobException(string message)
        : base(message)
    {
        Errors = [new JobValidationError("$", message)];
    }

    public InvalidPromptJobException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [new JobValidationError("$", message)];
    }

    /// <summary>Creates the exception from the problems found in a job.</summary>
    public InvalidPromptJobException(IReadOnlyList<JobValidationError> errors)
        : base("The job was not sent:" + string.Concat((errors ?? []).Select(e => Environment.NewLine + "  " + e)))
    {
        Errors = errors ?? [];
    }

    /// <summary>The problems, each with its JSON path such as <c>$.messages[0].role</c>.</summary>
    public IReadOnlyList<JobValidationError> Errors { get; }
}
