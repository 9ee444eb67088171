using System.Globalization;
using System.Text.RegularExpressions;
using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;
using PromptQueue.Core.Storage;

namespace PromptQueue.Core.Listing;

/// <summary>A listing's query parameters as text, as a request or a command line carries them; null when absent.</summary>
/// <param name="Status">Status names, comma-separated, any case (<c>Failed,DeadLettered</c>).</param>
/// <param name="Batch">A batch id (jobs only).</param>
/// <param name="Since">An ISO 8601 time or UTC date, or an age such as <c>30m</c>, <c>12h</c> or <c>7d</c>.</param>
/// <param name="Top">1 to 1000.</param>
/// <param name="Continuation">A token from a previous page.</param>
public sealed record ListParameters(string? Status = null, string? Batch = null, string? Since = null, string? Top = null, string? Continuation = null);

/// <summary>What <c>GET /api/jobs</c> lists: jobs created since a time, newest first, optionally of some statuses or one batch.</summary>
public sealed record JobListQuery
{
    /// <summary>Only jobs in one of these statuses; every status when empty.</summary>
    public IReadOnlyList<JobStatus> Statuses { get; init; } = [];

    /// <summary>Only the jobs of this batch.</summary>
    public string? BatchId { get; init; }

    /// <summary>Only the jobs with this name (a batch item's <c>custom_id</c>, or the <c>id</c> a file gave it).</summary>
    public string? Name { get; init; }

    /// <summary>
    /// The oldest creation time listed. Null lists the last <see cref="ListLimits.DefaultJobWindow"/>, or with
    /// <see cref="BatchId"/> every job since the batch was created.
    /// </summary>
    public DateTimeOffset? Since { get; init; }

    public int Top { get; init; } = ListLimits.DefaultTop;

    /// <summary>Where the previous page stopped; null for the first page.</summary>
    public IndexCursor? Continuation { get; init; }
}

/// <summary>What <c>GET /api/batches</c> lists: batches created since a time, newest first, optionally of some statuses.</summary>
public sealed record BatchListQuery
{
    public IReadOnlyList<BatchStatus> Statuses { get; init; } = [];

    /// <summary>The oldest creation time listed; null lists the last <see cref="ListLimits.DefaultBatchWindow"/>.</summary>
    public DateTimeOffset? Since { get; init; }

    public int Top { get; init; } = ListLimits.DefaultTop;

    public IndexCursor? Continuation { get; init; }
}

/// <summary>The bounds of a listing.</summary>
public static class ListLimits
{
    public const int DefaultTop = 50;

    /// <summary>Azure Tables returns at most 1000 rows a query page; a listing page is never larger.</summary>
    public const int MaxTop = 1000;

    /// <summary>The longest <c>since</c> accepted, as retention's longest setting.</summary>
    public const int MaxSinceDays = 3650;

    /// <summary>Day partitions one request reads at most; a longer span goes on in the continuation.</summary>
    public const int MaxDaysPerPage = 31;

    public static readonly TimeSpan DefaultJobWindow = TimeSpan.FromDays(7);

    /// <summary>Longer than the jobs' default: a batch drains at the budget's pace, often over weeks.</summary>
    public static readonly TimeSpan DefaultBatchWindow = TimeSpan.FromDays(30);
}

/// <summary>
/// Reads a listing's query parameters as the API and the command line receive them, text, and names the parameter
/// that is wrong. Both hosts and <c>promptq</c> read them here, so they accept and refuse the same things.
/// </summary>
public static partial class ListQueryReader
{
    /// <summary>Reads the parameters of <c>GET /api/jobs</c>; returns the problem, naming its parameter, or null.</summary>
    /// <param name="parameters">The parameters as sent.</param>
    /// <param name="now">The time an age counts back from.</param>
    /// <param name="query">The query read, when there is no problem.</param>
    public static JobValidationError? TryReadJobQuery(ListParameters parameters, DateTimeOffset now, out JobListQuery query)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        query = new JobListQuery();
        if (ReadStatuses<JobStatus>(parameters.Status, out var statuses) is { } statusError)
        {
            return statusError;
        }

        if (parameters.Batch is { } batch && !IsBatchId(batch))
        {
            return new JobValidationError("batch", $"'{batch}' is not a batch id (batch- followed by 26 letters and digits)");
        }

        var common = ReadCommon(parameters, now, out var sinceTime, out var topCount, out var cursor);
        query = new JobListQuery { Statuses = statuses, BatchId = parameters.Batch, Since = sinceTime, Top = topCount, Continuation = cursor };
        return common;
    }

    /// <summary>Reads the parameters of <c>GET /api/batches</c>, as <see cref="TryReadJobQuery"/> does; <c>batch</c> is not one of them.</summary>
    public static JobValidationError? TryReadBatchQuery(ListParameters parameters, DateTimeOffset now, out BatchListQuery query)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        query = new BatchListQuery();
        if (ReadStatuses<BatchStatus>(parameters.Status, out var statuses) is { } statusError)
        {
            return statusError;
        }

        var common = ReadCommon(parameters, now, out var sinceTime, out var topCount, out var cursor);
        query = new BatchListQuery { Statuses = statuses, Since = sinceTime, Top = topCount, Continuation = cursor };
        return common;
    }

    /// <summary>True for a batch id: <c>batch-</c> and 26 lower-case letters and digits.</summary>
    public static bool IsBatchId(string? id) => id is not null && BatchIdPattern().IsMatch(id);

    private static JobValidationError? ReadStatuses<TStatus>(string? text, out List<TStatus> statuses)
        where TStatus : struct, Enum
    {
        statuses = [];
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        foreach (var name in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            // Names only: Enum.TryParse would take "3" as a status too.
            if (!Enum.TryParse<TStatus>(name, ignoreCase: true, out var status) || !Enum.GetNames<TStatus>().Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                return new JobValidationError("status", $"'{name}' is not a status; use {string.Join(", ", Enum.GetNames<TStatus>())}, or several separated by commas");
            }

            statuses.Add(status);
        }

        return null;
    }

    private static JobValidationError? ReadCommon(
        ListParameters parameters, DateTimeOffset now, out DateTimeOffset? sinceTime, out int topCount, out IndexCursor? cursor)
    {
        (sinceTime, topCount, cursor) = (null, ListLimits.DefaultTop, null);
        var (since, top, continuation) = (parameters.Since, parameters.Top, parameters.Continuation);
        if (since is not null)
        {
            if (ReadSince(since, now) is not { } time)
            {
                return new JobValidationError("since", $"'{since}' is not a time: use an ISO 8601 time or UTC date (2026-12-01T08:00:00Z, 2026-12-01) or an age (30m, 12h, 7d)");
            }

            if (time < now.AddDays(-ListLimits.MaxSinceDays))
            {
                return new JobValidationError("since", $"'{since}' is more than {ListLimits.MaxSinceDays} days ago");
            }

            sinceTime = time;
        }

        if (top is not null)
        {
            if (!int.TryParse(top, NumberStyles.None, CultureInfo.InvariantCulture, out topCount) || topCount is < 1 or > ListLimits.MaxTop)
            {
                return new JobValidationError("top", $"'{top}' is not a page size from 1 to {ListLimits.MaxTop}");
            }
        }

        if (continuation is not null)
        {
            if (!IndexCursor.TryDecode(continuation, out var decoded))
            {
                return new JobValidationError("continuation", "is not a continuation token of this listing; send the one a previous page returned, unchanged");
            }

            cursor = decoded;
        }

        return null;
    }

    private static DateTimeOffset? ReadSince(string text, DateTimeOffset now)
    {
        if (AgePattern().Match(text) is { Success: true } age && int.TryParse(age.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var amount)
            && amount <= ListLimits.MaxSinceDays * 24 * 60)
        {
            return age.Groups[2].Value switch
            {
                "m" => now.AddMinutes(-amount),
                "h" => now.AddHours(-amount),
                _ => now.AddDays(-amount),
            };
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time) ? time : null;
    }

    [GeneratedRegex("^([0-9]{1,7})([mhd])$")]
    private static partial Regex AgePattern();

    [GeneratedRegex("^batch-[0-9a-z]{26}$")]
    private static partial Regex BatchIdPattern();
}
