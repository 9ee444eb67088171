using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using PromptQueue.Http.Api;

namespace PromptQueue.Http;

/// <summary>Maps PromptQueue's HTTP API on Kestrel (<c>promptq serve</c>), on the same routes as the Functions app.</summary>
public static class PromptQueueApiEndpoints
{
    /// <summary>
    /// Maps every route under <c>/api</c>. Health is open, as in the Functions app; every other route needs the API key
    /// that <see cref="ApiKeyCheck"/> (registered by the host) holds.
    /// </summary>
    /// <returns>The group of key-protected routes, for a host that adds routes of its own.</returns>
    public static RouteGroupBuilder MapPromptQueueApi(this IEndpointRouteBuilder endpoints)
    {
        var root = endpoints.MapGroup("/" + ApiRoutes.Prefix);
        root.MapGet(ApiRoutes.Health, ServiceEndpoints.GetHealthAsync);

        var api = root.MapGroup("").AddEndpointFilter(RequireApiKeyAsync);
        api.MapPost(ApiRoutes.Jobs, JobEndpoints.SubmitAsync);
        api.MapGet(ApiRoutes.Jobs, JobEndpoints.ListAsync);
        api.MapGet(ApiRoutes.Job, JobEndpoints.GetAsync);
        api.MapGet(ApiRoutes.JobReasoning, JobEndpoints.GetReasoningAsync);
        api.MapPost(ApiRoutes.CancelJob, JobEndpoints.CancelAsync);
        api.MapPost(ApiRoutes.RetryJob, JobEndpoints.RetryAsync);
        api.MapPost(ApiRoutes.Batches, BatchEndpoints.SubmitAsync);
        api.MapGet(ApiRoutes.Batches, BatchEndpoints.ListAsync);
        api.MapGet(ApiRoutes.Batch, BatchEndpoints.GetAsync);
        api.MapPost(ApiRoutes.CancelBatch, BatchEndpoints.CancelAsync);
        api.MapPost(ApiRoutes.RetryFailedBatchItems, BatchEndpoints.RetryFailedAsync);
        api.MapGet(ApiRoutes.BatchResults, BatchEndpoints.GetResultsAsync);
        api.MapGet(ApiRoutes.Usage, ServiceEndpoints.GetUsageAsync);
        api.MapGet(ApiRoutes.Budget, ServiceEndpoints.GetBudgetAsync);
        api.MapGet(ApiRoutes.OpenApi, ServiceEndpoints.GetOpenApi);

        // Further routes join this group, so they share the key check.
        return api;
    }

    private static async ValueTask<object?> RequireApiKeyAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var check = context.HttpContext.RequestServices.GetRequiredService<ApiKeyCheck>();
        return check.Allows(context.HttpContext.Request)
            ? await next(context)
            : new ApiResult(ApiResponse.Problem(401, "Unauthorized", $"send the API key in the {ApiKeyCheck.HeaderName} header"));
    }
}
