using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using PromptQueue.Core.Api;
using PromptQueue.Http;

namespace PromptQueue.Functions.Http;

/// <summary><c>GET /api/health</c>: open to probes without a key; 503 when storage is down.</summary>
public sealed class GetHealth(ServiceApi service)
{
    [Function(nameof(GetHealth))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.Health)] HttpRequest request) =>
        await ServiceEndpoints.GetHealthAsync(service, request);
}
