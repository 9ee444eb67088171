namespace PromptQueue.Hosting.Worker;

/// <summary>The shape of a standalone worker's stand-in for a timer trigger: a pass, a wait, again, until stopped.</summary>
public static class PeriodicLoop
{
    /// <summary>
    /// Runs <paramref name="pass"/> every <paramref name="interval"/> until <paramref name="cancellationToken"/> fires.
    /// A pass that fails is handed to <paramref name="onFailure"/> and the next one tries again, as a timer's next
    /// tick would.
    /// </summary>
    public static async Task RunAsync(
        Func<CancellationToken, Task> pass, TimeSpan interval, TimeProvider time, Action<Exception> onFailure, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pass);
        ArgumentNullException.ThrowIfNull(onFailure);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await pass(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Stopped mid-pass: every step of a pass is idempotent, so the next host's pass starts over. A loop
                // that is stopped returns; it does not throw at the one who stopped it.
                return;
            }
            catch (Exception ex)
            {
                onFailure(ex);
            }

            try
            {
                await Task.Delay(interval, time, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }
}
