using System.Globalization;
using System.Net.Mime;
using System.Text.Json.Nodes;

namespace PromptQueue.Simulator;

/// <summary>A complete reply written in one go: status, content type, extra headers and body.</summary>
internal sealed record CannedReply(int StatusCode, string Body, string ContentType = MediaTypeNames.Application.Json)
{
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    public static CannedReply Json(int statusCode, JsonObject body) => new(statusCode, body.ToJsonString(SimulatorJson.Options));

    public async Task WriteAsync(HttpResponse response, CancellationToken ct)
    {
        response.StatusCode = StatusCode;
        response.ContentType = ContentType;
        foreach (var (name, value) in Headers)
        {
            response.Headers[name] = value;
        }

        await response.WriteAsync(Body, ct);
    }
}

/// <summary>OpenRouter's error replies, with the bodies and headers seen in real traffic.</summary>
internal static class OpenRouterErrors
{
    public const string UserId = "user_sim";

    public static CannedReply BadRequest(string message) => Simple(400, message);

    public static CannedReply MissingAuthentication() => Simple(401, "Missing Authentication header");

    public static CannedReply UnknownApiKey() => Simple(401, "User not found.");

    /// <summary>The platform's own free-tier 429: limit headers both on the response and echoed as strings in the body.</summary>
    public static CannedReply FreeTierLimit(RateLimitRejection rejection)
    {
        var headers = new Dictionary<string, string>
        {
            ["X-RateLimit-Limit"] = rejection.Limit.ToString(CultureInfo.InvariantCulture),
            ["X-RateLimit-Remaining"] = "0",
            ["X-RateLimit-Reset"] = CeilingUnixMilliseconds(rejection.ResetsAt).ToString(CultureInfo.InvariantCulture),
        };
        var message = rejection.Window == FreeTierWindow.PerDay
            ? "Rate limit exceeded: free-models-per-day. Add 10 credits to unlock 1000 free model requests per day"
            : "Rate limit exceeded: free-models-per-min. ";
        var body = new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["code"] = 429,
                ["message"] = message,
                ["metadata"] = new JsonObject
                {
                    ["headers"] = new JsonObject(headers.Select(h => KeyValuePair.Create(h.Key, (JsonNode?)h.Value))),
                    ["provider_name"] = null,
                },
            },
            ["user_id"] = UserId,
        };
        return CannedReply.Json(429, body) with { Headers = headers };
    }

    /// <summary>The upstream provider's 429, the classic <c>:free</c> failure; property order as recorded.</summary>
    public static CannedReply UpstreamRateLimited(string model) => CannedReply.Json(429, new JsonObject
    {
        ["error"] = new JsonObject
        {
            ["message"] = "Provider returned error",
            ["code"] = 429,
            ["metadata"] = new JsonObject
            {
                ["raw"] = $"{model} is temporarily rate-limited upstream. Please retry shortly, or add your own key to accumulate your rate limits: https://openrouter.ai/settings/integrations",
                ["provider_name"] = CompletionPlan.Provider,
                ["is_byok"] = false,
            },
        },
        ["user_id"] = UserId,
    });

    /// <summary>An HTTP 200 whose body is nothing but an error, which some clients forget to check.</summary>
    public static CannedReply Bare200() => Simple(200, "Upstream error", errorCode: 502);

    /// <summary>The reply for a scripted <c>status=…</c> directive; 429 variants need the limiter for their reset instant.</summary>
    public static CannedReply ForStatus(string status, string model, FreeTierRateLimiter limiter) => status switch
    {
        "429" => FreeTierLimit(limiter.CurrentPerMinuteRejection()),
        "429-day" => FreeTierLimit(limiter.CurrentPerDayRejection()),
        "429-upstream" => UpstreamRateLimited(model),
        "502-html" => new CannedReply(502, CloudflarePages.BadGateway, MediaTypeNames.Text.Html),
        "524-html" => new CannedReply(524, CloudflarePages.Timeout, MediaTypeNames.Text.Html),
        _ => ForNumericStatus(int.Parse(status, CultureInfo.InvariantCulture), model),
    };

    private static CannedReply ForNumericStatus(int status, string model) => status switch
    {
        400 => Typed(400, "Invalid request", "invalid_request"),
        401 => MissingAuthentication(),
        402 => CannedReply.Json(402, ErrorBody(402, "This request requires more credits, or fewer max_tokens. You requested up to 16384 tokens, but can only afford 0. To increase, visit https://openrouter.ai/settings/credits and add more credits", new JsonObject { ["provider_name"] = null })),
        403 => Typed(403, "Request blocked: flagged by moderation", "permission_denied"),
        404 => CannedReply.Json(404, new JsonObject { ["error"] = new JsonObject { ["message"] = $"No endpoints found for {model}.", ["code"] = 404 } }),
        408 => Typed(408, "Request timed out", "timeout"),
        500 => Typed(500, "Internal Server Error", "server"),
        502 => CannedReply.Json(502, ErrorBody(502, "Provider returned error", new JsonObject { ["error_type"] = "provider_unavailable", ["provider_name"] = CompletionPlan.Provider })),
        503 => Typed(503, "Provider overloaded, please retry", "provider_overloaded") with { Headers = new Dictionary<string, string> { ["Retry-After"] = "2" } },
        504 => Typed(504, "Gateway timeout", "timeout"),
        524 => Simple(524, "Request timed out. Please try again later."),
        529 => CannedReply.Json(529, ErrorBody(529, "Provider returned error", new JsonObject { ["error_type"] = "provider_overloaded", ["provider_name"] = CompletionPlan.Provider })),
        _ => Simple(status, $"Simulated error {status}"),
    };

    private static CannedReply Simple(int status, string message, int? errorCode = null) =>
        CannedReply.Json(status, ErrorBody(errorCode ?? status, message, metadata: null));

    private static CannedReply Typed(int status, string message, string errorType) =>
        CannedReply.Json(status, ErrorBody(status, message, new JsonObject { ["error_type"] = errorType }));

    private static JsonObject ErrorBody(int code, string message, JsonObject? metadata)
    {
        var error = new JsonObject { ["code"] = code, ["message"] = message };
        if (metadata is not null)
        {
            error["metadata"] = metadata;
        }

        return new JsonObject { ["error"] = error };
    }

    /// <summary>Rounded up, so a client that waits until the advertised millisecond finds the window reset.</summary>
    private static long CeilingUnixMilliseconds(DateTimeOffset instant)
    {
        var ticksSinceEpoch = instant.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        return (ticksSinceEpoch + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond;
    }
}

/// <summary>The HTML pages Cloudflare serves in front of OpenRouter when the origin fails.</summary>
internal static class CloudflarePages
{
    public const string BadGateway =
        "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n";

    public const string Timeout =
        "<!DOCTYPE html>\n<html lang=\"en-US\">\n<head><title>openrouter.ai | 524: A timeout occurred</title></head>\n<body>\n<h1>A timeout occurred</h1>\n<p>Error code 524</p>\n<p>The origin web server timed out responding to this request.</p>\n</body>\n</html>\n";
}
