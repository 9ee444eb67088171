namespace PromptQueue.Simulator;

/// <summary>Settings for one <see cref="OpenRouterSimulator"/> instance; the defaults mirror the real free tier.</summary>
public sealed record SimulatorOptions
{
    /// <summary>Largest reasoning or answer length a directive may ask for, so a typo cannot exhaust memory.</summary>
    public const int MaxScriptedChars = 20_000_000;

    /// <summary>Loopback port to listen on; 0 picks a free port.</summary>
    public int Port { get; init; }

    /// <summary>The real clock. Rate-limit windows, delays and timestamps all read it.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Account-wide admitted <c>:free</c> calls per simulated minute.</summary>
    public int RequestsPerMinute { get; init; } = 20;

    /// <summary>How the per-minute limit counts: in whole minutes (the default, as OpenRouter's reset times suggest) or over any 60 s.</summary>
    public PerMinuteWindow PerMinuteWindow { get; init; } = PerMinuteWindow.Fixed;

    /// <summary>Account-wide admitted <c>:free</c> calls per simulated UTC day.</summary>
    public int RequestsPerDay { get; init; } = 50;

    /// <summary>How much faster simulated time runs than the real clock; 60 turns a minute window into one real second.</summary>
    /// <remarks>Only the rate-limit windows are scaled. Latencies and <c>Retry-After</c> stay in real time.</remarks>
    public double TimeScale { get; init; } = 1;

    /// <summary>Real time between the keep-alive comments and the first chunk (or the JSON body when not streaming).</summary>
    public TimeSpan FirstTokenDelay { get; init; }

    /// <summary>Real time between two streamed chunks.</summary>
    public TimeSpan ChunkDelay { get; init; }

    /// <summary>Number of <c>: OPENROUTER PROCESSING</c> comment lines sent before the first data line.</summary>
    public int KeepAliveComments { get; init; } = 2;

    /// <summary>When set, requests must carry <c>Authorization: Bearer &lt;key&gt;</c>; null accepts any key or none.</summary>
    public string? RequiredApiKey { get; init; }

    /// <summary>Share of admitted calls answered with the upstream "temporarily rate-limited" 429.</summary>
    public double Upstream429Rate { get; init; }

    /// <summary>Share of admitted calls answered with a 502 or 503 JSON error.</summary>
    public double ServerErrorRate { get; init; }

    /// <summary>Share of admitted calls whose stream breaks with a mid-stream error chunk.</summary>
    public double MidStreamErrorRate { get; init; }

    /// <summary>Share of admitted calls that never produce a token.</summary>
    public double HangRate { get; init; }

    /// <summary>Seed of the random fault draws, so a run with the same traffic is reproducible.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>How many recent request bodies <see cref="OpenRouterSimulator.ReceivedBodies"/> keeps.</summary>
    public int ReceivedBodyCapacity { get; init; } = 1000;

    /// <summary>Throws when a setting cannot work, so mistakes surface at start-up rather than as odd traffic.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(Port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Port, 65535);
        ArgumentNullException.ThrowIfNull(TimeProvider);
        ArgumentOutOfRangeException.ThrowIfNegative(RequestsPerMinute);
        ArgumentOutOfRangeException.ThrowIfNegative(RequestsPerDay);
        if (!Enum.IsDefined(PerMinuteWindow))
        {
            throw new ArgumentOutOfRangeException(nameof(PerMinuteWindow), PerMinuteWindow, "PerMinuteWindow must be Fixed or Sliding.");
        }

        if (!(TimeScale > 0) || double.IsInfinity(TimeScale))
        {
            throw new ArgumentOutOfRangeException(nameof(TimeScale), TimeScale, "TimeScale must be a positive finite number.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(FirstTokenDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(ChunkDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(KeepAliveComments);
        ArgumentOutOfRangeException.ThrowIfLessThan(ReceivedBodyCapacity, 1);
        ValidateRate(Upstream429Rate, nameof(Upstream429Rate));
        ValidateRate(ServerErrorRate, nameof(ServerErrorRate));
        ValidateRate(MidStreamErrorRate, nameof(MidStreamErrorRate));
        ValidateRate(HangRate, nameof(HangRate));
        if (Upstream429Rate + ServerErrorRate + MidStreamErrorRate + HangRate > 1)
        {
            throw new ArgumentException("The fault rates must add up to at most 1.");
        }
    }

    private static void ValidateRate(double rate, string name)
    {
        if (!(rate >= 0 && rate <= 1))
        {
            throw new ArgumentOutOfRangeException(name, rate, "A fault rate must lie between 0 and 1.");
        }
    }
}
