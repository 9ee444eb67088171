namespace PromptQueue.Http.Api;

/// <summary>
/// The HTTP API's route templates, relative to the <c>/api</c> prefix: the Functions app's trigger attributes and
/// <c>promptq serve</c> both map these, so the two hosts serve the same paths.
/// </summary>
public static class ApiRoutes
{
    /// <summary>The prefix of every route; the Functions host adds it itself (<c>extensions.http.routePrefix</c>).</summary>
    public const string Prefix = "api";

    public const string Jobs = "jobs";
    public const string Job = "jobs/{id}";
    public const string JobReasoning = "jobs/{id}/reasoning";
    public const string CancelJob = "jobs/{id}/cancel";
    public const string RetryJob = "jobs/{id}/retry";
    public const string Batches = "batches";
    public const string Batch = "batches/{id}";
    public const string CancelBatch = "batches/{id}/cancel";
    public const string RetryFailedBatchItems = "batches/{id}/retry-failed";
    public const string BatchResults = "batches/{id}/results";
    public const string Usage = "usage";
    public const string Budget = "budget";
    public const string Health = "health";
    public const string OpenApi = "openapi.json";

    /// <summary>The path a client reads a job at, as sent in <c>Location</c>.</summary>
    public static string JobPath(string jobId) => $"/{Prefix}/{Jobs}/{Uri.EscapeDataString(jobId)}";

    /// <summary>The path a client reads a batch at, as sent in <c>Location</c>.</summary>
    public static string BatchPath(string batchId) => $"/{Prefix}/{Batches}/{Uri.EscapeDataString(batchId)}";
}
