namespace PromptQueue.Simulator;

/// <summary>Simulated time that runs <c>TimeScale</c> times faster than the real clock, starting level with it.</summary>
/// <remarks>
/// Rate-limit windows live in simulated time so that benchmarks can cover many minutes or days in seconds,
/// while everything the client sees (timestamps, <c>X-RateLimit-Reset</c>) is translated back to the real clock.
/// </remarks>
internal sealed class SimulatedClock
{
    private readonly TimeProvider _timeProvider;
    private readonly double _scale;
    private readonly DateTimeOffset _anchor;

    public SimulatedClock(TimeProvider timeProvider, double scale)
    {
        _timeProvider = timeProvider;
        _scale = scale;
        _anchor = timeProvider.GetUtcNow();
    }

    /// <summary>How many times faster than the real clock simulated time runs.</summary>
    public double Scale => _scale;

    public DateTimeOffset RealNow => _timeProvider.GetUtcNow();

    public DateTimeOffset SimulatedNow => ToSimulated(RealNow);

    public DateTimeOffset ToSimulated(DateTimeOffset real) =>
        _anchor + TimeSpan.FromTicks((long)Math.Floor((real - _anchor).Ticks * _scale));

    /// <summary>The earliest real instant at which the simulated clock has reached <paramref name="simulated"/>.</summary>
    /// <remarks>Rounds up: a client that waits until this instant must find the window already reset.</remarks>
    public DateTimeOffset ToReal(DateTimeOffset simulated) =>
        _anchor + TimeSpan.FromTicks((long)Math.Ceiling((simulated - _anchor).Ticks / _scale));
}
