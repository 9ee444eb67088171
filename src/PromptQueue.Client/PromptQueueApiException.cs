using System.Net;
using System.Text;
using PromptQueue.Contracts.Api;

namespace PromptQueue.Client;

/// <summary>The PromptQueue API refused a request: the problem it answered with, field errors included.</summary>
/// <remarks>The message is built from the response only, so it never carries the API key that was sent.</remarks>
public sealed class PromptQueueApiException : Exception
{
    public PromptQueueApiException()
        : this(new ApiProblem("about:blank", "Request failed", 0, null), null)
    {
    }

    public PromptQueueApiException(string message)
        : base(message)
    {
        Problem = new ApiProblem("about:blank", message, 0, null);
    }

    public PromptQueueApiException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problem = new ApiProblem("about:blank", message, 0, null);
    }

    /// <summary>Creates the exception for a refused request.</summary>
    /// <param name="problem">The problem the server answered with (or one made from a response that was not problem+json).</param>
    /// <param name="responseBody">The response body as received, when it was not a problem document.</param>
    public PromptQueueApiException(ApiProblem problem, string? responseBody)
        : base(Describe(problem))
    {
        ArgumentNullException.ThrowIfNull(problem);
        Problem = problem;
        ResponseBody = responseBody;
    }

    /// <summary>The RFC 9457 problem: status, title, detail and, for a bad body, one error per field.</summary>
    public ApiProblem Problem { get; }

    /// <summary>The HTTP status of the answer.</summary>
    public HttpStatusCode StatusCode => (HttpStatusCode)Problem.Status;

    /// <summary>The raw body of an answer that was not a problem document (a proxy's error page, say); null otherwise.</summary>
    public string? ResponseBody { get; }

    private static string Describe(ApiProblem problem)
    {
        var text = new StringBuilder($"PromptQueue answered {problem.Status} {problem.Title}");
        if (!string.IsNullOrWhiteSpace(problem.Detail))
        {
            text.Append(": ").Append(problem.Detail);
        }

        foreach (var error in problem.Errors ?? [])
        {
            text.AppendLine().Append("  ").Append(error.Path).Append(": ").Append(error.Message);
        }

        return text.ToString();
    }
}
