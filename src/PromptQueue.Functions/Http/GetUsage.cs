using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using PromptQueue.Core.Api;
using PromptQueue.Http;

namespace PromptQueue.Functions.Http;

/// <summary><c>GET /api/usage[?day=yyyy-MM-dd]</c>: tokens and cost of the jobs completed on a UTC day.</summary>
public sealed class GetUsage(BatchApi batches)
{
    [Function(nameof(GetUsage))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.Usage)] HttpRequest request) =>
        await BatchEndpoints.GetUsageAsync(batches, request);
}
