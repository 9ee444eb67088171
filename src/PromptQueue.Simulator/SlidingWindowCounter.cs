namespace PromptQueue.Simulator;

/// <summary>Counts events in the last <c>length</c> before any moment: a window that slides with the clock.</summary>
/// <remarks>An event exactly one length ago no longer counts. Not thread-safe: the owner serialises access.</remarks>
internal sealed class SlidingWindowCounter(TimeSpan length) : IWindowCounter
{
    private readonly Queue<DateTimeOffset> _events = new();

    public int CountAt(DateTimeOffset now)
    {
        Expire(now);
        return _events.Count;
    }

    public int IncrementAt(DateTimeOffset now)
    {
        Expire(now);
        _events.Enqueue(now);
        return _events.Count;
    }

    /// <summary>When the oldest counted event stops counting, so one more may be counted; <paramref name="now"/> when none counts.</summary>
    public DateTimeOffset WindowEndAfter(DateTimeOffset now)
    {
        Expire(now);
        return _events.TryPeek(out var oldest) ? oldest + length : now;
    }

    public void Reset() => _events.Clear();

    private void Expire(DateTimeOffset now)
    {
        while (_events.TryPeek(out var oldest) && oldest <= now - length)
        {
            _events.Dequeue();
        }
    }
}
