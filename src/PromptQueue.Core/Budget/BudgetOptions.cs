using System.ComponentModel.DataAnnotations;

namespace PromptQueue.Core.Budget;

/// <summary>The request budget every instance and host shares: OpenRouter's free-tier limits, account-wide.</summary>
public sealed class BudgetOptions
{
    public const string SectionName = "Budget";

    /// <summary>Requests per minute across the whole account (OpenRouter's free tier: 20).</summary>
    /// <remarks>At most 10,000: the budget keeps every start of the last minute, and one Table entity holds that many.</remarks>
    [Range(1, 10_000)]
    public int RequestsPerMinute { get; set; } = 20;

    /// <summary>Requests per UTC day: 50 on the free tier, 1000 once 10 credits have been bought.</summary>
    [Range(1, 10_000_000)]
    public int RequestsPerDay { get; set; } = 50;

    /// <summary>
    /// The span <see cref="RequestsPerMinute"/> counts over: one minute, as OpenRouter's limits are. Only tests and
    /// benchmarks that run time faster set it shorter, with the limit per that span.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Added once to the window: a request may start when fewer than the per-minute limit started in the last 60 s
    /// (<see cref="Window"/>) plus this. Our clock is not the provider's, and a request reaches it a little after it starts; the margin keeps
    /// the first request of a window and the first of the next one more than 60 s apart as the provider sees them. A
    /// worker's first call (a new connection, code not yet compiled) reaches the provider most late: 0.7 s was measured
    /// against a local simulator, so the default leaves room above that.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan WindowMargin { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The smallest gap between two requests; zero (the default) lets up to the per-minute limit start at once on an
    /// idle account. Set it for providers that refuse bursts: 60 s / rate spreads every minute's requests evenly.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan MinimumGap { get; set; } = TimeSpan.Zero;

    /// <summary>A worker whose slot is at most this far away waits for it; a later slot re-queues the job instead.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan MaxInlineWait { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How far ahead a deferred job may reserve its slot. A job whose slot is further off (a long backlog on a small
    /// daily limit) reserves nothing and asks again when it comes back, so the budget row stays small.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan ReservationHorizon { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a reserved slot waits for its job after its time. A job that has not come back by then (its worker
    /// died, or the host polls late) loses the slot to others and asks again when it does come back.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan ReservationGrace { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The most jitter a deferred job that reserved nothing gets after its earliest possible slot (it gets at most as
    /// much as it waited), so a backlog released at once (at midnight, after a pause) does not wake all at one instant.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "06:00:00")]
    public TimeSpan DeferralSpread { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The share of each window that bulk jobs (batch items, by default) leave to interactive ones while any
    /// interactive job waits for a slot: 0.2 of 20 a minute keeps 4 for them. Interactive jobs also take the next
    /// reserved bulk slot before its job, so each starts within about a window however long the bulk backlog.
    /// </summary>
    [Range(0.0, 1.0)]
    public double InteractiveShare { get; set; } = 0.2;

    /// <summary>How many of the day's last requests bulk jobs leave to interactive ones while any interactive job waits.</summary>
    [Range(0, 10_000_000)]
    public int InteractiveDailyReserve { get; set; } = 5;

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
