namespace PromptQueue.Contracts;

/// <summary>One problem with a submitted job: where it is (a JSON path such as <c>$.messages[2].role</c>) and why.</summary>
public sealed record JobValidationError(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}

/// <summary>The outcome of reading a job: the job, or every problem found in it.</summary>
public sealed record JobReadResult(PromptJob? Job, IReadOnlyList<JobValidationError> Errors)
{
    public bool IsValid => Job is not null && Errors.Count == 0;

    /// <summary>All errors on one line each, for logs and stored records.</summary>
    public string Describe() => string.Join(Environment.NewLine, Errors);
}
