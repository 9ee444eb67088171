namespace PromptQueue.Contracts.Api;

/// <summary>An error response of the HTTP API: RFC 9457 problem details (<c>application/problem+json</c>).</summary>
/// <param name="Type">A URI naming the kind of problem.</param>
/// <param name="Title">A short summary of the kind of problem.</param>
/// <param name="Status">The HTTP status code.</param>
/// <param name="Detail">What went wrong with this request.</param>
/// <param name="Errors">One entry per field problem, each with its JSON path, for 400s about a body.</param>
public sealed record ApiProblem(string Type, string Title, int Status, string? Detail, IReadOnlyList<JobValidationError>? Errors = null)
{
    public const string ContentType = "application/problem+json";
}
