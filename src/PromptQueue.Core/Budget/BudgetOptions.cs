using System.ComponentModel.DataAnnotations;

namespace PromptQueue.Core.Budget;

/// <summary>The request budget every instance and host shares: OpenRouter's free-tier limits, account-wide.</summary>
public sealed class BudgetOptions
{
    public const string SectionName = "Budget";

    /// <summary>Requests per minute across the whole account (OpenRouter's free tier: 20).</summary>
    [Range(1, 100_000)]
    public int RequestsPerMinute { get; set; } = 20;

    /// <summary>Requests per UTC day: 50 on the free tier, 1000 once 10 credits have been bought.</summary>
    [Range(1, 10_000_000)]
    public int RequestsPerDay { get; set; } = 50;

    /// <summary>
    /// Added to every gap between two requests. Requests are spaced exactly 60 s / rate apart by our clock, but reach
    /// OpenRouter's fixed minute windows a few milliseconds early or late; a small margin keeps a late request from
    /// landing in the same window as twenty others.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan SpacingMargin { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>A worker whose slot is at most this far away waits for it; a later slot re-queues the job instead.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan MaxInlineWait { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The most jitter a deferred job gets after its earliest possible slot (it gets at most as much as it waited), so a
    /// backlog released at once (at midnight, say) does not wake all at the same instant to compete for one slot.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "06:00:00")]
    public TimeSpan DeferralSpread { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The budget meters only models whose id ends in ":free" unless this is set: paid models are not on the free tier.</summary>
    public bool MeterPaidModels { get; set; }

    /// <summary>
    /// Which account's budget this is: the row of the budget table that holds it. Work against the simulator uses an
    /// account of its own ("simulator"), so that simulated calls never spend, nor wait for, the real account's requests.
    /// </summary>
    [Required, RegularExpression("^[a-z0-9][a-z0-9-]{0,62}$", ErrorMessage = "Account must be lower-case letters, digits and '-'.")]
    public string Account { get; set; } = DefaultAccount;

    public const string DefaultAccount = "openrouter";

    /// <summary>The account of simulated work: promptq's built-in simulator, and local.settings.json's.</summary>
    public const string SimulatorAccount = "simulator";

    [Required, RegularExpression("^[A-Za-z][A-Za-z0-9]{2,62}$", ErrorMessage = "Table must be a valid table name.")]
    public string Table { get; set; } = "PromptBudget";

    /// <summary>True when calls to <paramref name="model"/> draw on this budget.</summary>
    public bool Meters(string model) => MeterPaidModels || model.EndsWith(":free", StringComparison.Ordinal);
}
