namespace PromptQueue.Core.Budget;

/// <summary>Why the budget holds a request back.</summary>
public enum BudgetWait
{
    /// <summary>The per-minute window is full until further away than a worker waits inline.</summary>
    Spacing,

    /// <summary>A per-minute 429 blocks requests until the reset it named.</summary>
    BlockedUntilReset,

    /// <summary>Today's requests are spent.</summary>
    DailyLimit,

    /// <summary>The account itself was refused (bad key, no credits); every instance holds off.</summary>
    Paused,
}

/// <summary>The budget's answer to a request for a slot.</summary>
public abstract record BudgetDecision;

/// <summary>A request may start at <paramref name="SlotAt"/>, which is now or a few seconds away; the slot is spent.</summary>
public sealed record BudgetGranted(DateTimeOffset SlotAt) : BudgetDecision;

/// <summary>
/// No slot soon: come back at <paramref name="Until"/>. When <paramref name="Reserved"/>, that slot is the job's own
/// and counted in the day already; otherwise nothing was spent.
/// </summary>
public sealed record BudgetDeferred(DateTimeOffset Until, BudgetWait Reason, string Detail, bool Reserved = false) : BudgetDecision;
