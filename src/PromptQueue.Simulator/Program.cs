using System.Runtime.InteropServices;
using PromptQueue.Simulator;

if (SimulatorCommandLine.IsHelpRequest(args))
{
    Console.WriteLine(SimulatorCommandLine.Usage);
    return 0;
}

if (!SimulatorCommandLine.TryParse(args, out var options, out var error))
{
    await Console.Error.WriteLineAsync(error);
    await Console.Error.WriteLineAsync(SimulatorCommandLine.Usage);
    return 2;
}

using var stop = new CancellationTokenSource();
using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, StopGracefully);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, StopGracefully);

await using var simulator = await OpenRouterSimulator.StartAsync(options, stop.Token);

// The URL alone on the first stdout line, so a driving process can read it without parsing prose.
Console.WriteLine(simulator.BaseUrl);
await Console.Error.WriteLineAsync(
    $"openrouter-sim: rpm={options.RequestsPerMinute} ({options.PerMinuteWindow} window) rpd={options.RequestsPerDay} time-scale={options.TimeScale} " +
    $"latency={options.FirstTokenDelay.TotalMilliseconds}ms; Ctrl+C to stop");

try
{
    await Task.Delay(Timeout.InfiniteTimeSpan, stop.Token);
}
catch (OperationCanceledException)
{
    // Ctrl+C or SIGTERM: fall through to dispose the server cleanly.
}

return 0;

void StopGracefully(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}
