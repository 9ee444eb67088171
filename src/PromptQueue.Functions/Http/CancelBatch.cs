using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using PromptQueue.Core.Api;
using PromptQueue.Http;

namespace PromptQueue.Functions.Http;

/// <summary><c>POST /api/batches/{id}/cancel</c>: cancel a batch's unreleased items; released jobs finish.</summary>
public sealed class CancelBatch(BatchApi batches)
{
    [Function(nameof(CancelBatch))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRoutes.CancelBatch)] HttpRequest request, string id) =>
        await BatchEndpoints.CancelAsync(batches, request, id);
}
