using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using PromptQueue.Core.Api;
using PromptQueue.Http;

namespace PromptQueue.Functions.Http;

/// <summary><c>GET /api/batches/{id}</c>: a batch's counts, progress, usage and estimated completion.</summary>
public sealed class GetBatch(BatchApi batches)
{
    [Function(nameof(GetBatch))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.Batch)] HttpRequest request, string id) =>
        await BatchEndpoints.GetAsync(batches, request, id);
}
