using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using PromptQueue.Http;
using PromptQueue.Http.Api;

namespace PromptQueue.Functions.Http;

/// <summary>The batch routes under <c>/api/batches</c>: each function binds its trigger and hands the request to <see cref="BatchEndpoints"/>.</summary>
public sealed class BatchFunctions(BatchApi batches)
{
    /// <summary><c>POST /api/batches</c>: store a batch of jobs (JSON array or JSONL) for the dispatcher to release at the budget's pace.</summary>
    [Function("SubmitBatch")]
    public async Task<IActionResult> SubmitAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRoutes.Batches)] HttpRequest request) =>
        await BatchEndpoints.SubmitAsync(batches, request);

    /// <summary><c>GET /api/batches[?status=&amp;since=&amp;top=&amp;continuation=]</c>: a page of batches, newest first.</summary>
    [Function("ListBatches")]
    public async Task<IActionResult> ListAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.Batches)] HttpRequest request) =>
        await BatchEndpoints.ListAsync(batches, request);

    /// <summary><c>GET /api/batches/{id}</c>: a batch's counts, progress, usage and estimated completion.</summary>
    [Function("GetBatch")]
    public async Task<IActionResult> GetAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.Batch)] HttpRequest request, string id) =>
        await BatchEndpoints.GetAsync(batches, request, id);

    /// <summary><c>POST /api/batches/{id}/cancel</c>: cancel a batch's unreleased items; released jobs finish.</summary>
    [Function("CancelBatch")]
    public async Task<IActionResult> CancelAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRoutes.CancelBatch)] HttpRequest request, string id) =>
        await BatchEndpoints.CancelAsync(batches, request, id);

    /// <summary><c>POST /api/batches/{id}/retry-failed</c>: queue a batch's Failed and DeadLettered jobs again.</summary>
    [Function("RetryFailedBatchItems")]
    public async Task<IActionResult> RetryFailedAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRoutes.RetryFailedBatchItems)] HttpRequest request, string id) =>
        await BatchEndpoints.RetryFailedAsync(batches, request, id);

    /// <summary><c>GET /api/batches/{id}/results[?reasoning=true]</c>: a batch's results as JSONL, in input order, streamed.</summary>
    [Function("GetBatchResults")]
    public async Task<IActionResult> GetResultsAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.BatchResults)] HttpRequest request, string id) =>
        await BatchEndpoints.GetResultsAsync(batches, request, id);
}
