using System.Diagnostics.CodeAnalysis;

namespace PromptQueue.Simulator;

/// <summary>Which account-wide free-tier window turned a call away.</summary>
internal enum FreeTierWindow
{
    PerMinute,
    PerDay,
}

/// <summary>Why a call was turned away and when (on the real clock) the window that did it resets.</summary>
internal sealed record RateLimitRejection(FreeTierWindow Window, int Limit, DateTimeOffset ResetsAt);

/// <summary>The daily counter as <c>GET /key</c> reports it.</summary>
internal sealed record DailyFreeUsage(int Limit, int Used)
{
    public int Remaining => Math.Max(0, Limit - Used);
}

/// <summary>
/// OpenRouter's account-wide limits on <c>:free</c> models: a per-minute window, fixed to the minute or sliding (see
/// <see cref="PerMinuteWindow"/>), and a per-UTC-day one.
/// </summary>
internal sealed class FreeTierRateLimiter(SimulatedClock clock, int requestsPerMinute, int requestsPerDay, PerMinuteWindow minuteWindow = PerMinuteWindow.Fixed)
{
    private readonly Lock _gate = new();
    private readonly IWindowCounter _minute = IWindowCounter.PerMinute(minuteWindow);
    private readonly WindowCounter _day = new(TimeSpan.FromDays(1));

    /// <summary>The limits cover every model whose id ends in <c>:free</c>, and no other.</summary>
    public static bool AppliesTo(string model) => model.EndsWith(":free", StringComparison.Ordinal);

    /// <summary>Admits the call and counts it, or explains the rejection. Rejected calls are not counted.</summary>
    public bool TryAdmit([NotNullWhen(false)] out RateLimitRejection? rejection)
    {
        lock (_gate)
        {
            var now = clock.SimulatedNow;

            // The day is checked first: once it is spent, the per-minute reset would not help the client.
            if (_day.CountAt(now) >= requestsPerDay)
            {
                rejection = PerDayRejectionAt(now);
                return false;
            }

            if (_minute.CountAt(now) >= requestsPerMinute)
            {
                rejection = PerMinuteRejectionAt(now);
                return false;
            }

            _day.IncrementAt(now);
            _minute.IncrementAt(now);
            rejection = null;
            return true;
        }
    }

    /// <summary>A per-minute rejection for the current window, used when a script asks for one explicitly.</summary>
    public RateLimitRejection CurrentPerMinuteRejection() => PerMinuteRejectionAt(clock.SimulatedNow);

    /// <summary>A per-day rejection for the current day, used when a script asks for one explicitly.</summary>
    public RateLimitRejection CurrentPerDayRejection() => PerDayRejectionAt(clock.SimulatedNow);

    public DailyFreeUsage GetDailyUsage()
    {
        lock (_gate)
        {
            return new DailyFreeUsage(requestsPerDay, _day.CountAt(clock.SimulatedNow));
        }
    }

    public void Reset()
    {
        lock (_gate)
        {
            _minute.Reset();
            _day.Reset();
        }
    }

    private RateLimitRejection PerDayRejectionAt(DateTimeOffset now) =>
        new(FreeTierWindow.PerDay, requestsPerDay, clock.ToReal(_day.WindowEndAfter(now)));

    /// <remarks>
    /// Like <c>X-RateLimit-Reset</c>, the limit is told in real time (calls per real minute): a client that learns its
    /// rate from the header, as the real API intends, then paces right at any time scale.
    /// </remarks>
    private RateLimitRejection PerMinuteRejectionAt(DateTimeOffset now) =>
        new(FreeTierWindow.PerMinute, (int)Math.Round(requestsPerMinute * clock.Scale), clock.ToReal(_minute.WindowEndAfter(now)));
}
