using System.Runtime.InteropServices;

namespace PromptQueue.Cli;

/// <summary>
/// Ctrl+C and SIGTERM as users expect them: the first asks the command to stop gracefully (it says what it waits for),
/// the second to stop at once; either way the command hands its jobs back and promptq exits with 130.
/// </summary>
/// <remarks>
/// A service manager sends SIGTERM and a terminal sends SIGINT; both mean "stop", so both are handled alike. The
/// runtime's own handling, which would end the process at the first signal, is cancelled.
/// </remarks>
public sealed class StopSignals : IDisposable
{
    /// <summary>After a second signal, how long the hand-back may take before the process ends regardless.</summary>
    private static readonly TimeSpan HardStopAfter = TimeSpan.FromSeconds(10);

    private readonly CancellationTokenSource _stopping;
    private readonly CancellationTokenSource _stopNow = new();
    private readonly PosixSignalRegistration[] _registrations;
    private int _signals;

    public StopSignals(CancellationToken outer)
    {
        _stopping = CancellationTokenSource.CreateLinkedTokenSource(outer);
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal)];
    }

    /// <summary>Fires at the first stop signal (or when the caller's token does).</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>Fires at the second stop signal: stop waiting for jobs in hand.</summary>
    public CancellationToken StopNow => _stopNow.Token;

    /// <summary>True once a signal asked promptq to stop: the exit code is then 130, as for any program a user interrupts.</summary>
    public bool Interrupted => Volatile.Read(ref _signals) > 0;

    /// <summary>What to tell the user at the first signal (for example, how many jobs it waits for); set by the running command.</summary>
    public Func<string>? DescribeStop { get; set; }

    /// <summary>Where the stop messages go.</summary>
    public TextWriter? Messages { get; set; }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _stopping.Dispose();
        _stopNow.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        switch (Interlocked.Increment(ref _signals))
        {
            case 1:
                Messages?.WriteLine($"promptq: {DescribeStop?.Invoke() ?? "stopping"}; press Ctrl+C again to stop now.");
                _stopping.Cancel();
                break;
            case 2:
                Messages?.WriteLine("promptq: stopping now; jobs in hand go back to the queue.");
                _stopNow.Cancel();
                _ = Task.Delay(HardStopAfter).ContinueWith(_ => Environment.Exit(Promptq.ExitInterrupted), TaskScheduler.Default);
                break;
            default:
                break;
        }
    }
}
