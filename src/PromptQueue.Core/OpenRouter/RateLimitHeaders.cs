using System.Globalization;
using System.Net.Http.Headers;

namespace PromptQueue.Core.OpenRouter;

/// <summary>Reads the X-RateLimit-* values, which OpenRouter sends as HTTP headers and echoes inside 429 bodies.</summary>
internal static class RateLimitHeaders
{
    public const string LimitHeader = "X-RateLimit-Limit";
    public const string RemainingHeader = "X-RateLimit-Remaining";
    public const string ResetHeader = "X-RateLimit-Reset";

    // Epoch values below this are seconds; above it, milliseconds (1e12 ms is in 2001, 1e12 s is tens of millennia away).
    private const long MillisecondsThreshold = 1_000_000_000_000;

    /// <summary>Reads the three values through <paramref name="lookup"/>; null when none of them is present.</summary>
    public static RateLimitInfo? Parse(Func<string, string?> lookup)
    {
        var limit = ParseInt(lookup(LimitHeader));
        var remaining = ParseInt(lookup(RemainingHeader));
        var resetsAt = ParseReset(lookup(ResetHeader));
        return limit is null && remaining is null && resetsAt is null ? null : new RateLimitInfo(limit, remaining, resetsAt);
    }

    public static RateLimitInfo? Parse(HttpResponseHeaders headers) =>
        Parse(name => headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null);

    /// <summary>Reads a reset time given as a Unix epoch; the docs do not say the unit, and every real sample is milliseconds.</summary>
    public static DateTimeOffset? ParseReset(string? value)
    {
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var epoch) || epoch <= 0)
        {
            return null;
        }

        var milliseconds = epoch < MillisecondsThreshold ? epoch * 1000 : epoch;
        return milliseconds <= DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()
            ? DateTimeOffset.FromUnixTimeMilliseconds((long)milliseconds)
            : null;
    }

    private static int? ParseInt(string? value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) ? number : null;
}
