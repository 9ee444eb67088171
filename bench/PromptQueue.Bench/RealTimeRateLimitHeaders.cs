using System.Globalization;

namespace PromptQueue.Bench;

/// <summary>
/// Completes the simulator's translation from simulated to real time for the one rate-limit header it leaves alone.
/// </summary>
/// <remarks>
/// The simulator already reports <c>X-RateLimit-Reset</c> on the real clock. <c>X-RateLimit-Limit</c>, though, still
/// counts calls per <em>simulated</em> minute (20), and PromptQueue, which honours that header as issue 3 asks ("a limit
/// lower than the one configured lowers the rate"), reads it per real minute: after a single 429 it would pace at 20
/// calls per real minute, 1/TimeScale of the account's true rate, for the rest of the day. Against the real API the
/// header (20) equals the configured limit (20) and changes nothing. Rewriting it to R × TimeScale restores exactly
/// that: the header again agrees with the budget's real-time rate. The body's echoed copy is left as it is: the
/// client reads the HTTP headers first.
/// </remarks>
internal sealed class RealTimeRateLimitHeaders(double timeScale) : DelegatingHandler
{
    private const string LimitHeader = "X-RateLimit-Limit";

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (response.Headers.TryGetValues(LimitHeader, out var values)
            && int.TryParse(values.FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var perSimulatedMinute))
        {
            response.Headers.Remove(LimitHeader);
            response.Headers.TryAddWithoutValidation(LimitHeader, ((long)Math.Round(perSimulatedMinute * timeScale)).ToString(CultureInfo.InvariantCulture));
        }

        return response;
    }
}
