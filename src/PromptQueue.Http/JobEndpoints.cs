using Microsoft.AspNetCore.Http;
using PromptQueue.Http.Api;

namespace PromptQueue.Http;

/// <summary>The job routes: each binds the request, calls <see cref="JobApi"/>, and returns its answer. Both hosts call these.</summary>
public static class JobEndpoints
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public static async Task<ApiResult> SubmitAsync(JobApi jobs, HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(request);
        var key = request.Headers.TryGetValue(IdempotencyKeyHeader, out var values) ? values.ToString() : null;
        return new(await jobs.SubmitAsync(request.Body, request.ContentLength, request.ContentType, key, request.HttpContext.RequestAborted));
    }

    public static async Task<ApiResult> GetAsync(JobApi jobs, HttpRequest request, string id)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(request);
        return new(await jobs.GetAsync(id, QueryParameters.Get(request, "wait"), request.HttpContext.RequestAborted));
    }

    public static async Task<ApiResult> ListAsync(JobApi jobs, HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(request);
        return new(await jobs.ListAsync(QueryParameters.List(request), request.HttpContext.RequestAborted));
    }

    public static async Task<ApiResult> GetReasoningAsync(JobApi jobs, HttpRequest request, string id)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(request);
        return new(await jobs.GetReasoningAsync(id, request.HttpContext.RequestAborted));
    }

    public static async Task<ApiResult> CancelAsync(JobApi jobs, HttpRequest request, string id)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(request);
        return new(await jobs.CancelAsync(id, request.HttpContext.RequestAborted));
    }

    public static async Task<ApiResult> RetryAsync(JobApi jobs, HttpRequest request, string id)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(request);
        return new(await jobs.RetryAsync(id, request.HttpContext.RequestAborted));
    }
}
