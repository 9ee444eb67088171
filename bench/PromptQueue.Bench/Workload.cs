using System.Globalization;
using PromptQueue.Simulator;

namespace PromptQueue.Bench;

/// <summary>The runs the pacing benchmark can make; <c>--runs</c> picks some of them.</summary>
[Flags]
internal enum BenchRuns
{
    None = 0,
    Functions = 1,
    Limiter = 2,
    PromptQueue = 4,
    All = Functions | Limiter | PromptQueue,
}

/// <summary>What the benchmark measures: pacing against the account's limit, or overhead against the storage ceiling.</summary>
internal enum BenchMode
{
    Pacing,
    Ceiling,
}

/// <summary>The one workload every run drains: the same jobs, the same simulated account, the same worker count.</summary>
/// <param name="Jobs">Jobs submitted at once before the workers start (N).</param>
/// <param name="RequestsPerMinute">The account's limit, per simulated minute (R); OpenRouter's free tier allows 20.</param>
/// <param name="TimeScale">How much faster simulated time runs: at 60 a simulated minute lasts one real second; at 1, real time.</param>
/// <param name="Latency">Real time before a call's first token; a multi-second reasoning call, scaled down.</param>
/// <param name="Instances">Worker processes (hosts) draining the queue side by side.</param>
internal sealed record Workload(int Jobs, int RequestsPerMinute, double TimeScale, TimeSpan Latency, int Instances)
{
    private const string Options =
        "--mode pacing|ceiling, --jobs, --rpm, --time-scale, --latency-ms, --instances, --window fixed|sliding, " +
        "--minimum-gap-ms, --max-inline-wait-ms, --runs functions,limiter,promptqueue and --burst";

    /// <summary>PromptQueue's Budget:MaxInlineWait on the real clock; null: the product default, scaled.</summary>
    public TimeSpan? MaxInlineWait { get; init; }

    /// <summary>PromptQueue's Budget:MinimumGap on the real clock; null: the product default (none).</summary>
    public TimeSpan? MinimumGap { get; init; }

    /// <summary>How the simulated account counts its per-minute limit.</summary>
    public PerMinuteWindow Window { get; init; } = PerMinuteWindow.Fixed;

    /// <summary>Which of the three runs to make; the baselines take long at real time.</summary>
    public BenchRuns Runs { get; init; } = BenchRuns.All;

    /// <summary>Jobs submitted at once to running workers on an idle account, after PromptQueue's drain; 0 skips it.</summary>
    public int Burst { get; init; } = 5;

    public BenchMode Mode { get; init; } = BenchMode.Pacing;

    public static Workload Default { get; } = new(Jobs: 300, RequestsPerMinute: 20, TimeScale: 60, Latency: TimeSpan.FromMilliseconds(100), Instances: 2);

    /// <summary>Real time: the product runs at its own defaults, nothing scaled.</summary>
    public bool IsRealTime => TimeScale == 1;

    /// <summary>The length of one simulated minute on the real clock.</summary>
    public TimeSpan SimulatedMinute => TimeSpan.FromMinutes(1) / TimeScale;

    /// <summary>R per simulated minute, expressed per real minute: the rate a correctly configured budget is given.</summary>
    public int EquivalentRequestsPerRealMinute => (int)Math.Round(RequestsPerMinute * TimeScale);

    /// <summary>N / R on the real clock: the drain at exactly the limit's average rate.</summary>
    public TimeSpan IdealDrain => SimulatedMinute * Jobs / RequestsPerMinute;

    /// <summary>
    /// The shortest drain the account's rule allows: R calls start at once, the next R a window later, and so on, so
    /// the last of N starts (ceil(N/R) - 1) windows after the first and ends one call's latency after that.
    /// </summary>
    public TimeSpan ShortestDrain => SimulatedMinute * (((Jobs + RequestsPerMinute - 1) / RequestsPerMinute) - 1) + Latency;

    /// <summary>A product default, a real-world duration, scaled down like everything else in the simulated account.</summary>
    public TimeSpan Scaled(TimeSpan realWorld) => realWorld / TimeScale;

    /// <summary>A fresh account: no calls counted yet, no daily cap in the way.</summary>
    public SimulatorOptions Simulator() => new()
    {
        RequestsPerMinute = RequestsPerMinute,
        RequestsPerDay = 10_000_000,
        TimeScale = TimeScale,
        FirstTokenDelay = Latency,
        PerMinuteWindow = Window,
    };

    /// <summary>The i-th job: small and distinct, with its own id so that duplicates can be told apart.</summary>
    public static string Job(string run, int index) =>
        string.Create(CultureInfo.InvariantCulture, $$"""{"id":"{{run}}-{{index:D4}}","prompt":"Benchmark job {{index}}: name a prime number."}""");

    public static Workload Parse(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var workload = Default;
        for (var i = 0; i < args.Length; i += 2)
        {
            if (i + 1 >= args.Length)
            {
                throw new ArgumentException($"{args[i]} needs a value; the options are {Options}");
            }

            var value = args[i + 1];
            workload = args[i] switch
            {
                "--mode" => workload with { Mode = Enum.Parse<BenchMode>(value, ignoreCase: true) },
                "--jobs" => workload with { Jobs = Int(value) },
                "--rpm" => workload with { RequestsPerMinute = Int(value) },
                "--time-scale" => workload with { TimeScale = double.Parse(value, CultureInfo.InvariantCulture) },
                "--latency-ms" => workload with { Latency = TimeSpan.FromMilliseconds(Int(value)) },
                "--instances" => workload with { Instances = Int(value) },
                "--window" => workload with { Window = SimulatorCommandLine.WindowKind(value) ?? throw new ArgumentException($"--window is fixed or sliding, not {value}") },
                "--minimum-gap-ms" => workload with { MinimumGap = TimeSpan.FromMilliseconds(Int(value)) },
                "--max-inline-wait-ms" => workload with { MaxInlineWait = TimeSpan.FromMilliseconds(Int(value)) },
                "--runs" => workload with { Runs = value.Split(',').Aggregate(BenchRuns.None, (runs, run) => runs | Enum.Parse<BenchRuns>(run, ignoreCase: true)) },
                "--burst" => workload with { Burst = Int(value) },
                _ => throw new ArgumentException($"unknown option {args[i]}; the options are {Options}"),
            };
        }

        return workload;
    }

    private static int Int(string value) => int.Parse(value, CultureInfo.InvariantCulture);
}
