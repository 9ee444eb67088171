using Azure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PromptQueue.Contracts.Api;
using PromptQueue.Core.Budget;
using PromptQueue.Core.Storage;

namespace PromptQueue.Http.Api;

/// <summary>The service part of the HTTP API: the shared budget and a health check, for both hosts.</summary>
public sealed partial class ServiceApi(JobStore store, RequestBudget budget, IOptions<BudgetOptions> budgetOptions, TimeProvider time, ILogger<ServiceApi> logger)
{
    /// <summary>A health probe that waits longer than this for storage reports it down rather than hang.</summary>
    private static readonly TimeSpan StorageCheckTimeout = TimeSpan.FromSeconds(5);

    /// <summary><c>GET /api/budget</c>: today's use of the shared budget and what is left.</summary>
    public async Task<ApiResponse> GetBudgetAsync(CancellationToken cancellationToken)
    {
        var state = await budget.ReadAsync(cancellationToken);
        return ApiResponse.Json(200, BudgetViews.From(state, time.GetUtcNow(), budgetOptions.Value));
    }

    /// <summary><c>GET /api/health</c>: 200 when the job table answers, 503 when it does not.</summary>
    public async Task<ApiResponse> GetHealthAsync(CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(StorageCheckTimeout, time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            await store.CheckReachableAsync(timeout.Token);
            return ApiResponse.Json(200, new HealthView("Healthy", "ok"));
        }
        catch (Exception ex) when (ex is RequestFailedException or AggregateException or HttpRequestException
                                   || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // The answer names only the kind of failure: exception messages can carry account names and endpoints.
            LogStorageUnhealthy(ex);
            var storage = ex is RequestFailedException { Status: > 0 } failed ? $"storage refused the check ({failed.Status})" : "storage is unreachable";
            return ApiResponse.Json(503, new HealthView("Unhealthy", storage));
        }
    }

    [LoggerMessage(LogLevel.Warning, "Health check: the job table did not answer")]
    private partial void LogStorageUnhealthy(Exception exception);
}
