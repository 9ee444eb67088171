using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using PromptQueue.Core.Api;
using PromptQueue.Http;

namespace PromptQueue.Functions.Http;

/// <summary><c>GET /api/batches[?status=&amp;since=&amp;top=&amp;continuation=]</c>: a page of batches, newest first.</summary>
public sealed class ListBatches(BatchApi batches)
{
    [Function(nameof(ListBatches))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.Batches)] HttpRequest request) =>
        await BatchEndpoints.ListAsync(batches, request);
}
