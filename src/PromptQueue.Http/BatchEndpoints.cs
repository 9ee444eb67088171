using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using PromptQueue.Http.Api;

namespace PromptQueue.Http;

/// <summary>The batch routes: each binds the request, calls <see cref="BatchApi"/>, and returns its answer. Both hosts call these.</summary>
public static class BatchEndpoints
{
    public static async Task<ApiResult> SubmitAsync(BatchApi batches, HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(batches);
        ArgumentNullException.ThrowIfNull(request);

        // Kestrel refuses bodies over 30 MB by default; a batch of 50,000 jobs may be larger. BatchApi enforces the
        // configured limit itself, on the declared length and while reading, and answers with a problem document;
        // Kestrel's own limit would end a chunked body with an exception instead, so it is lifted here.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = null;
        }

        return new(await batches.SubmitAsync(request.Body, request.ContentLength, request.HttpContext.RequestAborted));
    }

    public static async Task<ApiResult> ListAsync(BatchApi batches, HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(batches);
        ArgumentNullException.ThrowIfNull(request);
        return new(await batches.ListAsync(QueryParameters.List(request), request.HttpContext.RequestAborted));
    }

    public static async Task<ApiResult> GetAsync(BatchApi batches, HttpRequest request, string id)
    {
        ArgumentNullException.ThrowIfNull(batches);
        ArgumentNullException.ThrowIfNull(request);
        return new(await batches.GetAsync(id, request.HttpContext.RequestAborted));
    }

    public static async Task<ApiResult> CancelAsync(BatchApi batches, HttpRequest request, string id)
    {
        ArgumentNullException.ThrowIfNull(batches);
        ArgumentNullException.ThrowIfNull(request);
        return new(await batches.CancelAsync(id, request.HttpContext.RequestAborted));
    }

    public static async Task<ApiResult> RetryFailedAsync(BatchApi batches, HttpRequest request, string id)
    {
        ArgumentNullException.ThrowIfNull(batches);
        ArgumentNullException.ThrowIfNull(request);
        return new(await batches.RetryFailedAsync(id, request.HttpContext.RequestAborted));
    }

    public static async Task<ApiResult> GetResultsAsync(BatchApi batches, HttpRequest request, string id)
    {
        ArgumentNullException.ThrowIfNull(batches);
        ArgumentNullException.ThrowIfNull(request);
        var withReasoning = string.Equals(QueryParameters.Get(request, "reasoning"), "true", StringComparison.OrdinalIgnoreCase);
        return new(await batches.ResultsAsync(id, withReasoning, request.HttpContext.RequestAborted));
    }
}
