using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using PromptQueue.Http;
using PromptQueue.Http.Api;

namespace PromptQueue.Functions.Http;

/// <summary>
/// The account-wide routes (the shared budget, daily usage, health, the OpenAPI document): each function binds its
/// trigger and hands the request to <see cref="ServiceEndpoints"/>.
/// </summary>
public sealed class ServiceFunctions(ServiceApi service, UsageApi usage)
{
    /// <summary><c>GET /api/budget</c>: the shared request budget.</summary>
    [Function("GetBudget")]
    public async Task<IActionResult> GetBudgetAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.Budget)] HttpRequest request) =>
        await ServiceEndpoints.GetBudgetAsync(service, request);

    /// <summary><c>GET /api/usage[?day=yyyy-MM-dd]</c>: tokens and cost of the jobs completed on a UTC day.</summary>
    [Function("GetUsage")]
    public async Task<IActionResult> GetUsageAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.Usage)] HttpRequest request) =>
        await ServiceEndpoints.GetUsageAsync(usage, request);

    /// <summary><c>GET /api/health</c>: open to probes without a key; 503 when storage is down.</summary>
    [Function("GetHealth")]
    public async Task<IActionResult> GetHealthAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.Health)] HttpRequest request) =>
        await ServiceEndpoints.GetHealthAsync(service, request);

    /// <summary><c>GET /api/openapi.json</c>: the API's OpenAPI 3.1 document.</summary>
    [Function("GetOpenApi")]
    public static IActionResult GetOpenApi(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.OpenApi)] HttpRequest request) =>
        ServiceEndpoints.GetOpenApi();
}
