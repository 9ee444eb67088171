using System.Globalization;

namespace PromptQueue.Soak;

/// <summary>Command-line settings of a soak run.</summary>
internal sealed record SoakOptions
{
    public int Jobs { get; init; } = 10_000;

    public int Workers { get; init; } = 2;

    /// <summary>Messages each worker handles at once (PromptQueue__Listener__Concurrency).</summary>
    public int Concurrency { get; init; } = 16;

    public double ServerErrorRate { get; init; } = 0.10;

    public double MidStreamErrorRate { get; init; } = 0.05;

    public double HangRate { get; init; } = 0.01;

    public int Seed { get; init; } = 42;

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(60);

    public static SoakOptions Parse(string[] args)
    {
        var options = new SoakOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
            options = args[i] switch
            {
                "--jobs" => options with { Jobs = int.Parse(value, CultureInfo.InvariantCulture) },
                "--workers" => options with { Workers = int.Parse(value, CultureInfo.InvariantCulture) },
                "--concurrency" => options with { Concurrency = int.Parse(value, CultureInfo.InvariantCulture) },
                "--server-error-rate" => options with { ServerErrorRate = double.Parse(value, CultureInfo.InvariantCulture) },
                "--mid-stream-error-rate" => options with { MidStreamErrorRate = double.Parse(value, CultureInfo.InvariantCulture) },
                "--hang-rate" => options with { HangRate = double.Parse(value, CultureInfo.InvariantCulture) },
                "--seed" => options with { Seed = int.Parse(value, CultureInfo.InvariantCulture) },
                "--timeout-minutes" => options with { Timeout = TimeSpan.FromMinutes(double.Parse(value, CultureInfo.InvariantCulture)) },
                _ => throw new ArgumentException($"Unknown option {args[i]}. Options: --jobs N --workers N --concurrency N --server-error-rate R --mid-stream-error-rate R --hang-rate R --seed N --timeout-minutes M"),
            };
            i++;
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(options.Jobs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Workers, 1);
        return options;
    }
}
