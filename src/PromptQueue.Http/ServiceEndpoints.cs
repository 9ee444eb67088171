using Microsoft.AspNetCore.Http;
using PromptQueue.Http.Api;

namespace PromptQueue.Http;

/// <summary>The account-wide routes (budget, daily usage, health, the OpenAPI document), called by both hosts.</summary>
public static class ServiceEndpoints
{
    private const string OpenApiResource = "PromptQueue.Http.openapi.json";

    public static async Task<ApiResult> GetBudgetAsync(ServiceApi service, HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(request);
        return new(await service.GetBudgetAsync(request.HttpContext.RequestAborted));
    }

    public static async Task<ApiResult> GetUsageAsync(UsageApi usage, HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(usage);
        ArgumentNullException.ThrowIfNull(request);
        return new(await usage.DailyUsageAsync(QueryParameters.Get(request, "day"), request.HttpContext.RequestAborted));
    }

    public static async Task<ApiResult> GetHealthAsync(ServiceApi service, HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(request);
        return new(await service.GetHealthAsync(request.HttpContext.RequestAborted));
    }

    /// <summary>The hand-written OpenAPI 3.1 document of the API, embedded in this assembly.</summary>
    public static ApiResult GetOpenApi() => new(ApiResponse.Stream(200, "application/json; charset=utf-8", async (body, cancellationToken) =>
    {
        await using var document = OpenOpenApiDocument();
        await document.CopyToAsync(body, cancellationToken);
    }));

    public static Stream OpenOpenApiDocument() =>
        typeof(ServiceEndpoints).Assembly.GetManifestResourceStream(OpenApiResource)
        ?? throw new InvalidOperationException($"The embedded resource {OpenApiResource} is missing.");
}
