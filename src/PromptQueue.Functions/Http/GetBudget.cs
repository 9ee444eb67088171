using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using PromptQueue.Core.Api;
using PromptQueue.Http;

namespace PromptQueue.Functions.Http;

/// <summary><c>GET /api/budget</c>: the shared request budget.</summary>
public sealed class GetBudget(ServiceApi service)
{
    [Function(nameof(GetBudget))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.Budget)] HttpRequest request) =>
        await ServiceEndpoints.GetBudgetAsync(service, request);
}
