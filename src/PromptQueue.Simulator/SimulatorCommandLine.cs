using System.Globalization;

namespace PromptQueue.Simulator;

/// <summary>Turns <c>openrouter-sim</c> command-line arguments into <see cref="SimulatorOptions"/>.</summary>
public static class SimulatorCommandLine
{
    public const string Usage = """
        Usage: openrouter-sim [options]
          --port N                  loopback port to listen on (default 0: any free port)
          --rpm N                   :free requests admitted per simulated minute (default 20)
          --rpd N                   :free requests admitted per simulated UTC day (default 50)
          --window fixed|sliding    per-minute window: whole minutes (default) or any 60 s
          --time-scale X            simulated time runs X times faster than real time (default 1)
          --latency-ms N            real delay before the first token (default 0)
          --chunk-delay-ms N        real delay between streamed chunks (default 0)
          --keep-alive-comments N   ": OPENROUTER PROCESSING" lines before the first chunk (default 2)
          --api-key K               require "Authorization: Bearer K" (default: accept anything)
          --upstream-429-rate P     share of calls answered with an upstream 429 (0..1)
          --server-error-rate P     share of calls answered with a 502/503 (0..1)
          --midstream-error-rate P  share of calls whose stream breaks with an error chunk (0..1)
          --hang-rate P             share of calls that never produce a token (0..1)
          --seed N                  seed for the random faults (default 42)
        Prints the base URL (e.g. http://127.0.0.1:5123/api/v1/) on the first line of stdout and runs until Ctrl+C.
        """;

    /// <summary>Parses <paramref name="args"/>; on failure <paramref name="error"/> says which argument was wrong.</summary>
    public static bool TryParse(IReadOnlyList<string> args, out SimulatorOptions options, out string? error)
    {
        ArgumentNullException.ThrowIfNull(args);
        options = new SimulatorOptions();
        for (var i = 0; i < args.Count; i++)
        {
            if (i + 1 >= args.Count)
            {
                error = $"Missing value after {args[i]}, or unknown argument.";
                return false;
            }

            var (name, value) = (args[i], args[++i]);
            if (Apply(options, name, value) is not { } applied)
            {
                error = $"Invalid argument: {name} {value}";
                return false;
            }

            options = applied;
        }

        return TryValidate(options, out error);
    }

    /// <summary>True when the user asked for help rather than a server.</summary>
    public static bool IsHelpRequest(IReadOnlyList<string> args) =>
        args is not null && args.Any(a => a is "-h" or "--help" or "-?");

    private static SimulatorOptions? Apply(SimulatorOptions options, string name, string value) => name switch
    {
        "--port" => Int(value) is { } port ? options with { Port = port } : null,
        "--rpm" => Int(value) is { } rpm ? options with { RequestsPerMinute = rpm } : null,
        "--rpd" => Int(value) is { } rpd ? options with { RequestsPerDay = rpd } : null,
        "--window" => WindowKind(value) is { } window ? options with { PerMinuteWindow = window } : null,
        "--time-scale" => Number(value) is { } scale ? options with { TimeScale = scale } : null,
        "--latency-ms" => Int(value) is { } ms ? options with { FirstTokenDelay = TimeSpan.FromMilliseconds(ms) } : null,
        "--chunk-delay-ms" => Int(value) is { } ms ? options with { ChunkDelay = TimeSpan.FromMilliseconds(ms) } : null,
        "--keep-alive-comments" => Int(value) is { } count ? options with { KeepAliveComments = count } : null,
        "--api-key" => options with { RequiredApiKey = value },
        "--upstream-429-rate" => Number(value) is { } rate ? options with { Upstream429Rate = rate } : null,
        "--server-error-rate" => Number(value) is { } rate ? options with { ServerErrorRate = rate } : null,
        "--midstream-error-rate" => Number(value) is { } rate ? options with { MidStreamErrorRate = rate } : null,
        "--hang-rate" => Number(value) is { } rate ? options with { HangRate = rate } : null,
        "--seed" => Int(value) is { } seed ? options with { Seed = seed } : null,
        _ => null,
    };

    /// <summary>The per-minute window named on a command line: <c>fixed</c> or <c>sliding</c>, in any case.</summary>
    public static PerMinuteWindow? WindowKind(string value) =>
        Enum.GetValues<PerMinuteWindow>().Select(kind => (PerMinuteWindow?)kind).FirstOrDefault(kind => string.Equals(kind.ToString(), value, StringComparison.OrdinalIgnoreCase));

    private static int? Int(string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) ? number : null;

    private static double? Number(string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? number : null;

    private static bool TryValidate(SimulatorOptions options, out string? error)
    {
        try
        {
            options.Validate();
            error = null;
            return true;
        }
        catch (ArgumentException ex)
        {
            error = ex.Message;
            return false;
        }
    }
}
