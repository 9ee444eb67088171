using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;

namespace PromptQueue.Http.Api;

/// <summary>
/// An HTTP answer of PromptQueue's API, decided here from Core's results and free of any web framework: both hosts (the
/// Functions app and <c>promptq serve</c>) write it out the same way (<see cref="ApiResult"/>).
/// </summary>
/// <param name="StatusCode">The HTTP status code.</param>
/// <param name="Body">A value serialized as JSON with <see cref="ContractJson.Options"/>, or null for no body.</param>
public sealed record ApiResponse(int StatusCode, object? Body = null)
{
    /// <summary>The content type of <see cref="Body"/> or <see cref="WriteBody"/>; JSON unless set.</summary>
    public string ContentType { get; init; } = "application/json; charset=utf-8";

    /// <summary>Headers to send, such as <c>Location</c> or <c>Retry-After</c>.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>Writes a streamed body (a long trace, a JSONL export) in place of <see cref="Body"/>.</summary>
    public Func<Stream, CancellationToken, Task>? WriteBody { get; init; }

    public static ApiResponse Json(int statusCode, object body) => new(statusCode, body);

    /// <summary>An RFC 9457 problem: <paramref name="errors"/> carry field-level details with their JSON paths.</summary>
    public static ApiResponse Problem(int statusCode, string title, string? detail, IReadOnlyList<JobValidationError>? errors = null) =>
        new(statusCode, new ApiProblem(ProblemType(statusCode), title, statusCode, detail, errors)) { ContentType = ApiProblem.ContentType };

    /// <summary>A streamed body of the given content type.</summary>
    public static ApiResponse Stream(int statusCode, string contentType, Func<Stream, CancellationToken, Task> writeBody) =>
        new(statusCode) { ContentType = contentType, WriteBody = writeBody };

    private static string ProblemType(int statusCode) => statusCode switch
    {
        400 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.1",
        401 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.2",
        404 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.5",
        409 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.10",
        413 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.14",
        415 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.16",
        _ => "about:blank",
    };
}
