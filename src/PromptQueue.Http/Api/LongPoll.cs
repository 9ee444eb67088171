using System.Globalization;

namespace PromptQueue.Http.Api;

/// <summary>Long polling: reads a value again and again until it is final or the wait is over.</summary>
public static class LongPoll
{
    /// <summary>The first pause is short, so a job finishing right away is answered right away.</summary>
    public static readonly TimeSpan FirstInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>Pauses double up to this, so a long wait costs a storage read every two seconds at most.</summary>
    public static readonly TimeSpan MaxInterval = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Returns <paramref name="current"/> when it is already done, else reads it again after growing pauses until it is
    /// done or <paramref name="wait"/> has passed, and returns the last value read.
    /// </summary>
    public static async Task<T> UntilAsync<T>(
        T current, Func<CancellationToken, Task<T>> read, Func<T, bool> isDone, TimeSpan wait, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(isDone);
        ArgumentNullException.ThrowIfNull(time);
        var deadline = time.GetUtcNow() + wait;
        var interval = FirstInterval;
        while (!isDone(current))
        {
            var left = deadline - time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                break;
            }

            await Task.Delay(left < interval ? left : interval, time, cancellationToken);
            current = await read(cancellationToken);
            interval = interval * 2 > MaxInterval ? MaxInterval : interval * 2;
        }

        return current;
    }

    /// <summary>
    /// Reads the <c>wait</c> query value: absent means no wait, a whole number of seconds is cut to
    /// <paramref name="max"/>, anything else is an error to report.
    /// </summary>
    public static bool TryParseWait(string? value, TimeSpan max, out TimeSpan wait, out string? error)
    {
        wait = TimeSpan.Zero;
        error = null;
        if (value is null)
        {
            return true;
        }

        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            error = $"wait must be a whole number of seconds from 0 to {(int)max.TotalSeconds} (longer waits are cut to that), not '{Clip(value)}'";
            return false;
        }

        wait = TimeSpan.FromSeconds(seconds) > max ? max : TimeSpan.FromSeconds(seconds);
        return true;
    }

    private static string Clip(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
