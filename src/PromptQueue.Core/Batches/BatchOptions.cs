using System.ComponentModel.DataAnnotations;

namespace PromptQueue.Core.Batches;

/// <summary>Limits of batch submission and the dispatcher's pace. The table name is <c>PromptQueue:BatchTable</c>.</summary>
public sealed class BatchOptions
{
    public const string SectionName = "PromptQueue:Batches";

    /// <summary>Everything that can be the content of one string property of a Table entity, with room to spare.</summary>
    public const int ChunkChars = 30_000;

    /// <summary>
    /// The Functions timer's NCRONTAB schedule, read by the host as <c>%PromptQueue:Batches:DispatchSchedule%</c>. Its
    /// period is the dispatch interval unless <see cref="DispatchInterval"/> is set.
    /// </summary>
    [Required, RegularExpression(@"^\S+( \S+){4,5}$", ErrorMessage = "DispatchSchedule must be a cron expression of five or six fields.")]
    public string DispatchSchedule { get; set; } = "0 */1 * * * *";

    /// <summary>
    /// The time between two dispatcher ticks: the standalone worker's loop, and how much work each tick releases. By
    /// default the period of <see cref="DispatchSchedule"/>, so the two hosts agree.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan? DispatchInterval { get; set; }

    /// <summary>The dispatch interval in force: <see cref="DispatchInterval"/>, or the schedule's period.</summary>
    public TimeSpan Interval
    {
        get
        {
            if (DispatchInterval is { } interval)
            {
                return interval;
            }

            var cron = BatchScheduler.ParseCron(DispatchSchedule);
            var reference = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
            var first = cron.GetNextOccurrence(reference, TimeZoneInfo.Utc) ?? reference;
            var second = cron.GetNextOccurrence(first, TimeZoneInfo.Utc) ?? first + TimeSpan.FromMinutes(1);
            return second - first;
        }
    }

    /// <summary>Jobs released beyond one interval's pace, so workers never idle while the next tick is due.</summary>
    [Range(0, 1000)]
    public int Lead { get; set; } = 2;

    /// <summary>Most items in one batch.</summary>
    [Range(1, 1_000_000)]
    public int MaxItems { get; set; } = 50_000;

    /// <summary>Largest batch body, in bytes; a larger one is refused with 413.</summary>
    [Range(1024, long.MaxValue)]
    public long MaxBodyBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// Largest item, in characters of its job JSON. Items over <see cref="ChunkChars"/> are stored in chunks within their
    /// item row; one Table entity holds at most 1 MiB, so this stays well below 512K characters.
    /// </summary>
    [Range(1024, 400_000)]
    public int MaxItemChars { get; set; } = 256_000;

    /// <summary>How many validation errors a refused batch lists; the answer says how many more there were.</summary>
    [Range(1, 10_000)]
    public int MaxReportedErrors { get; set; } = 100;

    /// <summary>A dispatcher's claim on a range of items lapses after this; another dispatcher then releases it again.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ClaimDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How old the most recent missed schedule occurrence may be and still get its batch.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan ScheduleCatchUp { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>One recurring batch: <c>PromptQueue:Schedules:{name}</c>.</summary>
public sealed class BatchScheduleOptions
{
    /// <summary>A cron expression: five fields, or six with seconds first (as NCRONTAB).</summary>
    public string? Cron { get; set; }

    /// <summary>An IANA or Windows time zone id for <see cref="Cron"/>; UTC when empty.</summary>
    public string? TimeZone { get; set; }

    /// <summary>The jobs of each batch, each a v1 job as JSON text.</summary>
    public List<string> Jobs { get; set; } = [];

    /// <summary>A v1 job as JSON text with <c>{{name}}</c> placeholders inside its strings, filled from each of <see cref="Variables"/>.</summary>
    public string? Template { get; set; }

    /// <summary>One job per entry: the template with these values in place of its placeholders.</summary>
    public List<Dictionary<string, string>> Variables { get; set; } = [];
}

/// <summary>The named recurring batches, bound from <c>PromptQueue:Schedules</c>.</summary>
public sealed class BatchSchedulesOptions
{
    public const string SectionName = "PromptQueue";

    public Dictionary<string, BatchScheduleOptions> Schedules { get; set; } = new(StringComparer.Ordinal);
}
