using System.Globalization;
using PromptQueue.Contracts;
using PromptQueue.Core.Budget;
using PromptQueue.Core.Usage;

namespace PromptQueue.Http.Api;

/// <summary>The usage route of the HTTP API: what every job (direct or in a batch) used, day by day.</summary>
public sealed class UsageApi(DailyUsage usage, TimeProvider time)
{
    /// <summary><c>GET /api/usage[?day=yyyy-MM-dd]</c>: tokens and cost of the jobs completed on a UTC day (today by default).</summary>
    public async Task<ApiResponse> DailyUsageAsync(string? day, CancellationToken cancellationToken)
    {
        if (day is not null && !DateOnly.TryParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            return ApiResponse.Problem(400, "Malformed day", $"'{day}' is not a UTC day of the form yyyy-MM-dd", [new JobValidationError("day", "must be yyyy-MM-dd")]);
        }

        return ApiResponse.Json(200, await usage.ReadAsync(day ?? BudgetRules.DayOf(time.GetUtcNow()), cancellationToken));
    }
}
