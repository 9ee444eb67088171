using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Cronos;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PromptQueue.Contracts;

namespace PromptQueue.Core.Batches;

/// <summary>
/// Creates a batch at each occurrence of every configured schedule (<c>PromptQueue:Schedules:{name}</c>), exactly
/// once however often or concurrently it is called.
/// </summary>
/// <remarks>
/// <para>Exactly once: an occurrence's marker row is added with If-None-Match and fixes the batch id and the secret
/// the job ids derive from. Whoever comes second reads the marker and builds the very same batch: items are added
/// in the same transactions, which fail harmlessly when already there, and the header is added once.</para>
/// <para>Missed occurrences: only the most recent occurrence is considered, and only while it is at most
/// <see cref="BatchOptions.ScheduleCatchUp"/> old. A host that was down for a day makes up the last occurrence (if
/// recent enough), not every one it missed: a backlog of identical digests helps nobody and spends the daily budget.</para>
/// </remarks>
public sealed partial class BatchScheduler(
    IOptions<BatchSchedulesOptions> schedules,
    IOptions<BatchOptions> options,
    BatchStore store,
    BatchSubmitter submitter,
    TimeProvider time,
    ILogger<BatchScheduler> logger)
{
    /// <summary>Creates the batches of occurrences that are due; returns the ids of batches created by this call.</summary>
    public async Task<IReadOnlyList<string>> CreateDueAsync(CancellationToken cancellationToken)
    {
        var created = new List<string>();
        var now = time.GetUtcNow();
        foreach (var (name, schedule) in schedules.Value.Schedules)
        {
            if (LatestOccurrence(schedule, now, options.Value.ScheduleCatchUp) is not { } occurrence)
            {
                continue;
            }

            var (batchId, secret) = await store.GetOrCreateOccurrenceAsync(name, occurrence, JobIds.NewBatchId(occurrence), JobIds.NewBatchSecret(), cancellationToken);
            if (await store.FindHeaderAsync(batchId, cancellationToken) is not null)
            {
                continue;
            }

            // A JSON array, not JSONL: a configured job may be written over several lines.
            using var body = new MemoryStream(Encoding.UTF8.GetBytes("[" + string.Join(",\n", JobsOf(schedule)) + "]"));
            var request = new BatchSubmitRequest { Schedule = name, BatchId = batchId, Secret = secret, CreatedAt = occurrence };
            var submission = await submitter.SubmitAsync(body, request, cancellationToken);
            if (submission.Created)
            {
                LogCreated(name, occurrence, batchId, submission.Header!.Items);
                created.Add(batchId);
            }
            else if (!submission.Accepted)
            {
                LogRefused(name, occurrence, submission.Refusal ?? "", string.Join("; ", submission.Problems.Select(p => p.ToValidationError())));
            }
        }

        return created;
    }

    /// <summary>The latest occurrence at or before <paramref name="now"/> and within <paramref name="catchUp"/> of it.</summary>
    public static DateTimeOffset? LatestOccurrence(BatchScheduleOptions schedule, DateTimeOffset now, TimeSpan catchUp)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        var cron = ParseCron(schedule.Cron!);
        var zone = string.IsNullOrWhiteSpace(schedule.TimeZone) ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(schedule.TimeZone);
        var latest = cron.GetOccurrencesDescending(now, now - catchUp, zone, fromInclusive: true, toInclusive: true).FirstOrDefault();
        return latest == default ? null : latest;
    }

    /// <summary>Five fields, or six with seconds first as in the Functions host's NCRONTAB.</summary>
    public static CronExpression ParseCron(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var fields = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        return CronExpression.Parse(expression, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
    }

    /// <summary>The jobs of one batch of the schedule, as JSON: its list, or its template filled from each variable set.</summary>
    public static IEnumerable<string> JobsOf(BatchScheduleOptions schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        return schedule.Template is null
            ? schedule.Jobs
            : schedule.Variables.Select(values => Placeholder().Replace(schedule.Template, m =>
                values.TryGetValue(m.Groups["name"].Value, out var value) ? JsonEncodedText.Encode(value, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString() : m.Value));
    }

    [GeneratedRegex(@"\{\{\s*(?<name>[A-Za-z0-9_.-]+)\s*\}\}")]
    private static partial Regex Placeholder();

    [LoggerMessage(LogLevel.Information, "Schedule {Schedule}: created batch {BatchId} of {Items} item(s) for the occurrence at {Occurrence}")]
    private partial void LogCreatedCore(string schedule, string batchId, int items, DateTimeOffset occurrence);

    [LoggerMessage(LogLevel.Error, "Schedule {Schedule}: the batch for {Occurrence} was refused ({Refusal}): {Problems}")]
    private partial void LogRefused(string schedule, DateTimeOffset occurrence, string refusal, string problems);

    private void LogCreated(string schedule, DateTimeOffset occurrence, string batchId, int items) => LogCreatedCore(schedule, batchId, items, occurrence);
}

/// <summary>Checks every schedule at start: a broken one stops the host instead of failing silently at its first tick.</summary>
public sealed partial class BatchSchedulesValidator(IOptions<JobLimits> limits) : IValidateOptions<BatchSchedulesOptions>
{
    public ValidateOptionsResult Validate(string? name, BatchSchedulesOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        foreach (var (scheduleName, schedule) in options.Schedules)
        {
            var prefix = $"PromptQueue:Schedules:{scheduleName}";
            if (!ScheduleName().IsMatch(scheduleName))
            {
                failures.Add($"{prefix}: a schedule name is 1 to 64 letters, digits, '.', '_' or '-'");
            }

            if (string.IsNullOrWhiteSpace(schedule.Cron) || !CronExpression.TryParse(schedule.Cron, schedule.Cron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard, out _))
            {
                failures.Add($"{prefix}:Cron must be a cron expression of five fields, or six with seconds first, such as \"0 0 6 * * *\"");
            }

            if (!string.IsNullOrWhiteSpace(schedule.TimeZone) && !TimeZoneInfo.TryFindSystemTimeZoneById(schedule.TimeZone, out _))
            {
                failures.Add($"{prefix}:TimeZone '{schedule.TimeZone}' is not a known time zone id");
            }

            if ((schedule.Template is null) == (schedule.Jobs.Count == 0) || (schedule.Template is not null && schedule.Variables.Count == 0))
            {
                failures.Add($"{prefix}: give either Jobs (a list of v1 jobs as JSON) or Template with Variables (a list of value sets)");
                continue;
            }

            var index = 0;
            foreach (var job in BatchScheduler.JobsOf(schedule))
            {
                var read = PromptJobReader.Read(job, limits.Value);
                failures.AddRange(read.Errors.Select(e => $"{prefix}: job {index}: {e}"));
                index++;
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex ScheduleName();
}
