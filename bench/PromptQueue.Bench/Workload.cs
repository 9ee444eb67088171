using System.Globalization;
using PromptQueue.Simulator;

namespace PromptQueue.Bench;

/// <summary>The one workload every run drains: the same jobs, the same simulated account, the same worker count.</summary>
/// <param name="Jobs">Jobs submitted at once before the workers start (N).</param>
/// <param name="RequestsPerMinute">The account's limit, per simulated minute (R); OpenRouter's free tier allows 20.</param>
/// <param name="TimeScale">How much faster simulated time runs: at 60 a simulated minute lasts one real second.</param>
/// <param name="Latency">Real time before a call's first token; a multi-second reasoning call, scaled down.</param>
/// <param name="Instances">Worker processes (hosts) draining the queue side by side.</param>
internal sealed record Workload(int Jobs, int RequestsPerMinute, double TimeScale, TimeSpan Latency, int Instances)
{
    /// <summary>PromptQueue's Budget:MaxInlineWait on the real clock; null: the product default, scaled.</summary>
    public TimeSpan? MaxInlineWait { get; init; }

    public static Workload Default { get; } = new(Jobs: 300, RequestsPerMinute: 20, TimeScale: 60, Latency: TimeSpan.FromMilliseconds(100), Instances: 2);

    /// <summary>The length of one simulated minute on the real clock.</summary>
    public TimeSpan SimulatedMinute => TimeSpan.FromMinutes(1) / TimeScale;

    /// <summary>R per simulated minute, expressed per real minute: the rate a correctly configured budget is given.</summary>
    public int EquivalentRequestsPerRealMinute => (int)Math.Round(RequestsPerMinute * TimeScale);

    /// <summary>The shortest possible drain, N / R, on the real clock.</summary>
    public TimeSpan IdealDrain => SimulatedMinute * Jobs / RequestsPerMinute;

    /// <summary>A product default, a real-world duration, scaled down like everything else in the simulated account.</summary>
    public TimeSpan Scaled(TimeSpan realWorld) => realWorld / TimeScale;

    /// <summary>A fresh account: no calls counted yet, no daily cap in the way.</summary>
    public SimulatorOptions Simulator() => new()
    {
        RequestsPerMinute = RequestsPerMinute,
        RequestsPerDay = 10_000_000,
        TimeScale = TimeScale,
        FirstTokenDelay = Latency,
    };

    /// <summary>The i-th job: small and distinct, with its own id so that duplicates can be told apart.</summary>
    public static string Job(string run, int index) =>
        string.Create(CultureInfo.InvariantCulture, $$"""{"id":"{{run}}-{{index:D4}}","prompt":"Benchmark job {{index}}: name a prime number."}""");

    public static Workload Parse(string[] args)
    {
        var workload = Default;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            workload = args[i] switch
            {
                "--jobs" => workload with { Jobs = int.Parse(args[i + 1], CultureInfo.InvariantCulture) },
                "--rpm" => workload with { RequestsPerMinute = int.Parse(args[i + 1], CultureInfo.InvariantCulture) },
                "--time-scale" => workload with { TimeScale = double.Parse(args[i + 1], CultureInfo.InvariantCulture) },
                "--latency-ms" => workload with { Latency = TimeSpan.FromMilliseconds(int.Parse(args[i + 1], CultureInfo.InvariantCulture)) },
                "--max-inline-wait-ms" => workload with { MaxInlineWait = TimeSpan.FromMilliseconds(int.Parse(args[i + 1], CultureInfo.InvariantCulture)) },
                _ => throw new ArgumentException($"unknown option {args[i]}; the options are --jobs, --rpm, --time-scale, --latency-ms and --max-inline-wait-ms"),
            };
        }

        return workload;
    }
}
