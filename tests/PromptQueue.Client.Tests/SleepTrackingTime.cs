using Microsoft.Extensions.Time.Testing;

namespace PromptQueue.Client.Tests;

/// <summary>
/// The client's clock in tests: a <see cref="FakeTimeProvider"/> that also counts the timers waiting on it, so a test
/// moves time only while the client sleeps (a <c>Task.Delay</c> on this clock), never while it is between two steps.
/// </summary>
internal sealed class SleepTrackingTime(FakeTimeProvider inner) : TimeProvider
{
    private int _sleeping;

    /// <summary>True while at least one timer waits to fire.</summary>
    public bool IsSleeping => Volatile.Read(ref _sleeping) > 0;

    public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

    public override long GetTimestamp() => inner.GetTimestamp();

    public override long TimestampFrequency => inner.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new TrackedTimer(this);
        Interlocked.Increment(ref _sleeping);
        timer.Inner = inner.CreateTimer(
            s =>
            {
                timer.Done();
                callback(s);
            },
            state,
            dueTime,
            period);
        return timer;
    }

    private sealed class TrackedTimer(SleepTrackingTime owner) : ITimer
    {
        private int _done;

        public ITimer Inner { get; set; } = null!;

        /// <summary>The timer fired or was disposed: it no longer holds the clock's sleeper count.</summary>
        public void Done()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                Interlocked.Decrement(ref owner._sleeping);
            }
        }

        public bool Change(TimeSpan dueTime, TimeSpan period) => Inner.Change(dueTime, period);

        public void Dispose()
        {
            Done();
            Inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Done();
            return Inner.DisposeAsync();
        }
    }
}
