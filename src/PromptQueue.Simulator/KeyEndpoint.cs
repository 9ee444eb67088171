using System.Text.Json.Nodes;

namespace PromptQueue.Simulator;

/// <summary><c>GET /api/v1/key</c>: the key's details, including the daily <c>:free</c> counter.</summary>
internal sealed class KeyEndpoint(SimulatorOptions options, FreeTierRateLimiter limiter)
{
    public Task HandleAsync(HttpContext context)
    {
        var reply = SimulatorKeyCheck.Refusal(context.Request, options.RequiredApiKey) ?? KeyInfo();
        return reply.WriteAsync(context.Response, context.RequestAborted);
    }

    private CannedReply KeyInfo()
    {
        var daily = limiter.GetDailyUsage();
        return CannedReply.Json(StatusCodes.Status200OK, new JsonObject
        {
            ["data"] = new JsonObject
            {
                ["label"] = "sim-key",
                ["limit"] = null,
                ["usage"] = 0,
                ["is_free_tier"] = true,
                // Deprecated upstream and always -1 there; kept because old clients still read it.
                ["rate_limit"] = new JsonObject { ["requests"] = -1, ["interval"] = "10s" },
                ["free_model_daily_requests"] = new JsonObject
                {
                    ["limit"] = daily.Limit,
                    ["remaining"] = daily.Remaining,
                    ["used"] = daily.Used,
                },
            },
        });
    }
}
