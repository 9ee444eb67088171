namespace PromptQueue.Core.Storage;

/// <summary>What one try of a read-modify-write came to: a result, or a conditional write that lost to another writer.</summary>
/// <typeparam name="T">The result of the whole update.</typeparam>
public readonly record struct ConcurrencyStep<T>
{
    internal ConcurrencyStep(bool conflicted, T result) => (Conflicted, Result) = (conflicted, result);

    /// <summary>Another writer changed the entity between this try's read and its write (a 409 or 412): read it again.</summary>
    public bool Conflicted { get; }

    public T Result { get; }
}

/// <summary>Makes the steps of an <see cref="OptimisticConcurrency"/> update.</summary>
public static class ConcurrencyStep
{
    /// <summary>The update is decided: it was written, or it has nothing to write.</summary>
    public static ConcurrencyStep<T> Done<T>(T result) => new(false, result);

    /// <summary>The write lost the race: read again and decide again.</summary>
    public static ConcurrencyStep<T> Conflict<T>() => new(true, default!);
}

/// <summary>
/// The one read-modify-write loop of PromptQueue's storage: every change to a shared entity (a job's status, the shared
/// budget, a batch's cursor and counts, a day's usage) reads it, decides, and writes on the ETag it read. A lost race
/// reads again after a pause with full jitter (<see cref="Backoff"/>), so writers that collided do not collide again in
/// lockstep; past a caller's limit it gives way with the caller's own answer.
/// </summary>
public static class OptimisticConcurrency
{
    /// <summary>The ceiling of the first pause after a conflict: about one storage round trip.</summary>
    public static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(10);

    /// <summary>Pauses double up to this, so twenty conflicts cost a few seconds at most.</summary>
    public static readonly TimeSpan MaxPause = TimeSpan.FromMilliseconds(250);

    /// <summary>Tries <paramref name="step"/> up to <paramref name="maxTries"/> times, pausing between conflicts.</summary>
    /// <param name="step">One read, decision and conditional write.</param>
    /// <param name="maxTries">How many tries before giving way (at least 1).</param>
    /// <param name="exhausted">The answer when every try conflicted: a fallback, or a throw.</param>
    /// <param name="cancellationToken">Stops the tries and the pauses.</param>
    public static Task<T> UpdateAsync<T>(
        Func<CancellationToken, Task<ConcurrencyStep<T>>> step, int maxTries, Func<T> exhausted, CancellationToken cancellationToken) =>
        UpdateAsync(step, maxTries, exhausted, PauseAsync, cancellationToken);

    internal static async Task<T> UpdateAsync<T>(
        Func<CancellationToken, Task<ConcurrencyStep<T>>> step,
        int maxTries,
        Func<T> exhausted,
        Func<TimeSpan, CancellationToken, Task> pause,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(exhausted);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTries, 1);
        for (var tried = 1; ; tried++)
        {
            var outcome = await step(cancellationToken);
            if (!outcome.Conflicted)
            {
                return outcome.Result;
            }

            if (tried >= maxTries)
            {
                return exhausted();
            }

            await pause(Backoff.Delay(tried, FirstPause, MaxPause, BackoffJitter.Full, Random.Shared), cancellationToken);
        }
    }

    /// <summary>
    /// A pause in real time, not on the app's <see cref="TimeProvider"/>: it spaces storage requests that contend now,
    /// and a test's fake clock, which stands still until the test moves it, must not freeze a write in flight.
    /// </summary>
    private static Task PauseAsync(TimeSpan pause, CancellationToken cancellationToken) =>
        pause <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(pause, cancellationToken);
}
