using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using PromptQueue.Core.Api;
using PromptQueue.Http;

namespace PromptQueue.Functions.Http;

/// <summary><c>POST /api/batches/{id}/retry-failed</c>: queue a batch's Failed and DeadLettered jobs again.</summary>
public sealed class RetryFailedBatchItems(BatchApi batches)
{
    [Function(nameof(RetryFailedBatchItems))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRoutes.RetryFailedBatchItems)] HttpRequest request, string id) =>
        await BatchEndpoints.RetryFailedAsync(batches, request, id);
}
