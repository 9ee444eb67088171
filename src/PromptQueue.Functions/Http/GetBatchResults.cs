using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using PromptQueue.Core.Api;
using PromptQueue.Http;

namespace PromptQueue.Functions.Http;

/// <summary><c>GET /api/batches/{id}/results[?reasoning=true]</c>: a batch's results as JSONL, in input order, streamed.</summary>
public sealed class GetBatchResults(BatchApi batches)
{
    [Function(nameof(GetBatchResults))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.BatchResults)] HttpRequest request, string id) =>
        await BatchEndpoints.GetResultsAsync(batches, request, id);
}
