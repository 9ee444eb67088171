namespace PromptQueue.Simulator;

/// <summary>Counts events in a window of time, fixed or sliding, as one of the account's limits counts calls.</summary>
internal interface IWindowCounter
{
    int CountAt(DateTimeOffset now);

    int IncrementAt(DateTimeOffset now);

    /// <summary>The moment the window stops holding back one more event: its reset, as <c>X-RateLimit-Reset</c> tells it.</summary>
    DateTimeOffset WindowEndAfter(DateTimeOffset now);

    void Reset();

    /// <summary>A per-minute counter of the given kind.</summary>
    static IWindowCounter PerMinute(PerMinuteWindow kind) => kind switch
    {
        PerMinuteWindow.Sliding => new SlidingWindowCounter(TimeSpan.FromMinutes(1)),
        _ => new WindowCounter(TimeSpan.FromMinutes(1)),
    };
}

/// <summary>Counts events in fixed windows aligned to multiples of the window length since year 1, as OpenRouter's limits are.</summary>
/// <remarks>
/// A one-minute window therefore starts on a whole minute and a one-day window at UTC midnight. Not thread-safe:
/// the owner serialises access.
/// </remarks>
internal sealed class WindowCounter(TimeSpan length) : IWindowCounter
{
    private long _windowStartTicks = long.MinValue;
    private int _count;

    public int CountAt(DateTimeOffset now)
    {
        RollTo(now);
        return _count;
    }

    public int IncrementAt(DateTimeOffset now)
    {
        RollTo(now);
        return ++_count;
    }

    public DateTimeOffset WindowEndAfter(DateTimeOffset now) =>
        new(WindowStartTicks(now) + length.Ticks, TimeSpan.Zero);

    public void Reset() => _count = 0;

    private long WindowStartTicks(DateTimeOffset now) => now.UtcTicks - (now.UtcTicks % length.Ticks);

    private void RollTo(DateTimeOffset now)
    {
        var start = WindowStartTicks(now);
        if (start != _windowStartTicks)
        {
            _windowStartTicks = start;
            _count = 0;
        }
    }
}
