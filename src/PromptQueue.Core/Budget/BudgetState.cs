namespace PromptQueue.Core.Budget;

/// <summary>The shared budget at one moment: what has been spent, and what the API has taught us.</summary>
/// <remarks>Kept as one Table entity so that one conditional write grants a request against both limits at once.</remarks>
public sealed record BudgetState
{
    /// <summary>The UTC day <see cref="DayUsed"/> counts, as yyyy-MM-dd.</summary>
    public string Day { get; init; } = "";

    public int DayUsed { get; init; }

    /// <summary>
    /// The starts that still count against the per-minute limit: every request of the last window, and the slots
    /// reserved ahead for deferred jobs. <see cref="DayUsed"/> counts both.
    /// </summary>
    public StartLog Starts { get; init; } = StartLog.Empty;

    /// <summary>No request before this: a per-minute 429 named its reset.</summary>
    public DateTimeOffset? BlockedUntil { get; init; }

    /// <summary>No request before this: the daily limit was reached, by our count or by the API's.</summary>
    public DateTimeOffset? DayBlockedUntil { get; init; }

    /// <summary>A lower per-minute limit than configured, read from X-RateLimit-Limit; it lasts until the day ends.</summary>
    public int? LearnedRequestsPerMinute { get; init; }

    /// <summary>A lower daily limit than configured, read from a per-day 429; it lasts until the day ends.</summary>
    public int? LearnedRequestsPerDay { get; init; }

    /// <summary>Processing is paused on every instance until then: the API refused the account itself.</summary>
    public DateTimeOffset? PausedUntil { get; init; }

    public string? PauseReason { get; init; }

    /// <summary>
    /// Which API key the account refused (<see cref="BudgetRules.KeyFingerprint"/>): a pause holds only workers that
    /// use that key, so fixing the key lifts it at once instead of when it runs out.
    /// </summary>
    public string? PausedKey { get; init; }

    /// <summary>
    /// An interactive job waits for a slot until then (the latest moment one was told to come back): meanwhile bulk
    /// jobs leave interactive ones <see cref="BudgetOptions.InteractiveShare"/> of each window and
    /// <see cref="BudgetOptions.InteractiveDailyReserve"/> of the day.
    /// </summary>
    public DateTimeOffset? InteractiveWaitingUntil { get; init; }
}
