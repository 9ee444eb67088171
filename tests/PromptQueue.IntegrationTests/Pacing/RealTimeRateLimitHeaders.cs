using System.Globalization;

namespace PromptQueue.IntegrationTests.Pacing;

/// <summary>
/// Completes the simulator's translation from simulated to real time for the one rate-limit header it leaves alone:
/// <c>X-RateLimit-Limit</c> counts calls per simulated minute, and is rewritten here to calls per real minute.
/// </summary>
/// <remarks>
/// The simulator already reports <c>X-RateLimit-Reset</c> on the real clock, but a limit of 20 per simulated minute,
/// read by the budget as 20 per real minute, would slow the hosts to 1/TimeScale of the account's true rate after
/// the first 429. Against the real API the header and the budget speak of the same minute; this restores that. The
/// copy echoed in the body is left alone: the client reads the HTTP headers first.
/// </remarks>
public sealed class RealTimeRateLimitHeaders(double timeScale) : DelegatingHandler
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
