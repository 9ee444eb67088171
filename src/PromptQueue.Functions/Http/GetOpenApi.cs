using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using PromptQueue.Core.Api;
using PromptQueue.Http;

namespace PromptQueue.Functions.Http;

/// <summary><c>GET /api/openapi.json</c>: the API's OpenAPI 3.1 document.</summary>
public static class GetOpenApi
{
    [Function(nameof(GetOpenApi))]
    public static IActionResult Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.OpenApi)] HttpRequest request) =>
        ServiceEndpoints.GetOpenApi();
}
