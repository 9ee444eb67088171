namespace PromptQueue.Contracts.Api;

/// <summary>The shared request budget as <c>GET /api/budget</c> shows it: what today and the current minute have left.</summary>
public sealed record BudgetView
{
    /// <summary>The UTC day the counts belong to, as yyyy-MM-dd.</summary>
    public required string Day { get; init; }

    /// <summary>Model requests spent today by every instance and host.</summary>
    public required int RequestsUsedToday { get; init; }

    /// <summary>The daily limit in force: the configured one, or a lower one OpenRouter reported today.</summary>
    public required int RequestsPerDay { get; init; }

    public required int RequestsRemainingToday { get; init; }

    /// <summary>The per-minute limit in force: the configured one, or a lower one OpenRouter reported today.</summary>
    public required int RequestsPerMinute { get; init; }

    /// <summary>How many requests could start at once now: the per-minute limit less the busier of the last window and the reserved next one.</summary>
    public required int RequestsRemainingThisMinute { get; init; }

    /// <summary>Requests started in the last 60 seconds (plus the window margin), by every instance and host.</summary>
    public int RequestsStartedLastMinute { get; init; }

    /// <summary>Slots reserved ahead by deferred jobs, each counted in today's requests already.</summary>
    public int RequestsReserved { get; init; }

    /// <summary>The earliest moment the next request may start.</summary>
    public required DateTimeOffset NextSlotAt { get; init; }

    /// <summary>True while the API refused the account itself (bad key, no credits) and every worker holds off.</summary>
    public required bool Paused { get; init; }

    public DateTimeOffset? PausedUntil { get; init; }

    public string? PauseReason { get; init; }

    /// <summary>A per-minute 429 from OpenRouter blocks requests until then.</summary>
    public DateTimeOffset? BlockedUntil { get; init; }

    /// <summary>OpenRouter reported the daily limit reached; no request before then.</summary>
    public DateTimeOffset? DayBlockedUntil { get; init; }

    /// <summary>When today's count starts again from zero: the next UTC midnight.</summary>
    public required DateTimeOffset DayResetsAt { get; init; }

    /// <summary>
    /// True while an interactive job waits for a slot: bulk jobs then leave interactive ones a share of each window and
    /// the day's last requests (see <see cref="Lanes"/>).
    /// </summary>
    public bool InteractiveWaiting { get; init; }

    /// <summary>What each lane gets now and has in hand.</summary>
    public BudgetLanes? Lanes { get; init; }
}

/// <summary>The budget's two lanes: interactive jobs (direct submissions, by default) and bulk ones (batch items).</summary>
public sealed record BudgetLanes(BudgetLaneView Interactive, BudgetLaneView Bulk);

/// <summary>One lane of the budget.</summary>
/// <param name="RequestsPerMinute">The most requests of any lane a job of this lane may start beside in one window, now.</param>
/// <param name="RequestsPerDay">The most requests of the day a job of this lane may take, now.</param>
/// <param name="StartedLastMinute">This lane's requests started in the last window.</param>
/// <param name="Reserved">This lane's slots reserved ahead by deferred jobs.</param>
public sealed record BudgetLaneView(int RequestsPerMinute, int RequestsPerDay, int StartedLastMinute, int Reserved);

/// <summary>The answer of <c>GET /api/health</c>: 200 when storage answers, 503 when it does not.</summary>
/// <param name="Status"><c>Healthy</c> or <c>Unhealthy</c>.</param>
/// <param name="Storage"><c>ok</c>, or what went wrong reaching the job table (never a connection string).</param>
public sealed record HealthView(string Status, string Storage);
