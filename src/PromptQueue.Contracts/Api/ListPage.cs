namespace PromptQueue.Contracts.Api;

/// <summary>
/// One page of a listing (<c>GET /api/jobs</c>, <c>GET /api/batches</c>), newest first. A page may hold fewer items
/// than asked for and still carry a continuation: the listing stops after a bounded amount of work per request.
/// </summary>
/// <param name="Items">This page's items.</param>
/// <param name="Continuation">Send it back as <c>?continuation=</c> for the next page; null (absent in JSON) on the last.</param>
public sealed record ListPage<T>(IReadOnlyList<T> Items, string? Continuation);

/// <summary>A job as a listing shows it: what the index holds, enough for one line per job.</summary>
public sealed record JobListItem
{
    public required string Id { get; init; }

    public required JobStatus Status { get; init; }

    /// <summary>The caller's name for the job: a batch item's custom id.</summary>
    public string? Name { get; init; }

    /// <summary>How the job arrived: http, queue, run, batch.</summary>
    public string? Source { get; init; }

    public string? BatchId { get; init; }

    /// <summary>The model the job asked for (or the configured default).</summary>
    public string? Model { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? CompletedAt { get; init; }
}
