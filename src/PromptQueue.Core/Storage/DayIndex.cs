using System.Buffers.Text;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using Azure.Data.Tables;

namespace PromptQueue.Core.Storage;

/// <summary>Where a listing goes on: the UTC day partition to read and the last row key already returned in it.</summary>
/// <param name="Day">The day partition to read next.</param>
/// <param name="AfterRowKey">Rows up to and including this key were returned already; null starts the day.</param>
public sealed partial record IndexCursor(DateOnly Day, string? AfterRowKey)
{
    /// <summary>The opaque continuation token a client sends back: base64url of <c>yyyyMMdd|rowkey</c>.</summary>
    public string Encode() =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(Day.ToString("yyyyMMdd", CultureInfo.InvariantCulture) + "|" + AfterRowKey));

    /// <summary>Reads a token made by <see cref="Encode"/>; false for anything else, so a forged key never reaches a query.</summary>
    public static bool TryDecode(string token, out IndexCursor cursor)
    {
        cursor = new IndexCursor(default, null);
        byte[] bytes;
        try
        {
            bytes = Base64Url.DecodeFromChars(token);
        }
        catch (FormatException)
        {
            return false;
        }

        var text = Encoding.UTF8.GetString(bytes);
        var parts = text.Split('|');
        if (parts.Length != 2
            || !DateOnly.TryParseExact(parts[0], "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            || (parts[1].Length > 0 && !RowKeyPattern().IsMatch(parts[1])))
        {
            return false;
        }

        cursor = new IndexCursor(day, parts[1].Length == 0 ? null : parts[1]);
        return true;
    }

    [GeneratedRegex("^[0-9]{13}-[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")]
    private static partial Regex RowKeyPattern();
}

/// <summary>
/// An index of a table's items by UTC day of creation: partition <c>~created-yyyyMMdd</c>, one row per item, keyed by
/// inverted creation time and id, so a partition reads newest first. A listing walks the partitions from a day back to
/// the oldest day asked for, and retention drops whole old days, so neither reads the rest of the table.
/// </summary>
/// <remarks>
/// A partition starting with '~' is never a job's or a batch's, because their ids start with a letter or digit; and
/// because these partitions sort by day, the old ones are one contiguous range of partition keys.
/// </remarks>
public sealed class DayIndex(TableClient table)
{
    /// <summary>Followed by the UTC day, <c>yyyyMMdd</c>, in the job table and the batch table; see <c>src/PromptQueue.Core/Storage/README.md</c>.</summary>
    public const string PartitionPrefix = "~created-";

    /// <summary>Inverted milliseconds count down from here (the year 2286), so newer rows get smaller keys.</summary>
    private const long InversionBase = 9_999_999_999_999;

    public static string PartitionOf(DateOnly day) => PartitionPrefix + day.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    public static string PartitionOf(DateTimeOffset created) => PartitionOf(DayOf(created));

    public static string RowKeyOf(DateTimeOffset created, string id) => Inverted(created) + "-" + id;

    /// <summary>The id a row stands for: what follows the 13 digits of inverted time and the dash.</summary>
    public static string IdOf(string rowKey)
    {
        ArgumentNullException.ThrowIfNull(rowKey);
        return rowKey[14..];
    }

    public static DateOnly DayOf(DateTimeOffset time) => DateOnly.FromDateTime(time.UtcDateTime);

    /// <summary>The cursor that goes on right after <paramref name="row"/>, a row of this index.</summary>
    public static IndexCursor After(TableEntity row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var day = DateOnly.ParseExact(row.PartitionKey.AsSpan(PartitionPrefix.Length), "yyyyMMdd", CultureInfo.InvariantCulture);
        return new IndexCursor(day, row.RowKey);
    }

    /// <summary>Writes the row for an item created at <paramref name="created"/>, replacing what it held.</summary>
    public async Task UpsertAsync(DateTimeOffset created, string id, IDictionary<string, object?> properties, CancellationToken cancellationToken)
    {
        var row = new TableEntity(properties) { PartitionKey = PartitionOf(created), RowKey = RowKeyOf(created, id) };
        await table.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken);
    }

    public Task RemoveAsync(DateTimeOffset created, string id, CancellationToken cancellationToken) =>
        RemoveAsync(PartitionOf(created), RowKeyOf(created, id), cancellationToken);

    public Task RemoveAsync(string partition, string rowKey, CancellationToken cancellationToken) =>
        table.DeleteIfExistsAsync(partition, rowKey, cancellationToken);

    /// <summary>
    /// Up to <paramref name="top"/> rows created at or after <paramref name="since"/>, newest first from
    /// <paramref name="start"/>, that match <paramref name="filter"/> (an OData filter on the row's properties, or null).
    /// Reads at most <paramref name="maxDays"/> day partitions; the cursor returned goes on where this page stopped, and
    /// is null when every day back to <paramref name="since"/> is read.
    /// </summary>
    public async Task<(List<TableEntity> Rows, IndexCursor? Next)> PageAsync(
        IndexCursor start, DateTimeOffset since, string? filter, int top, int maxDays, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(start);
        var rows = new List<TableEntity>(top);
        var lastDay = DayOf(since);

        // Created at or after since: an inverted key no greater than since's, and '.' sorts right after '-'.
        var sinceBound = Inverted(since) + ".";
        var (day, after) = (start.Day, start.AfterRowKey);
        for (var read = 0; day >= lastDay; read++)
        {
            if (read == maxDays)
            {
                return (rows, new IndexCursor(day, null));
            }

            var query = TableClient.CreateQueryFilter($"PartitionKey eq {PartitionOf(day)} and RowKey lt {sinceBound}");
            if (after is not null)
            {
                query += TableClient.CreateQueryFilter($" and RowKey gt {after}");
            }

            if (filter is not null)
            {
                query += $" and ({filter})";
            }

            await foreach (var row in table.QueryAsync<TableEntity>(query, maxPerPage: top - rows.Count, cancellationToken: cancellationToken))
            {
                rows.Add(row);
                if (rows.Count == top)
                {
                    return (rows, After(row));
                }
            }

            (day, after) = (day.AddDays(-1), null);
        }

        return (rows, null);
    }

    /// <summary>Every row of the days before <paramref name="day"/>, oldest day first: one range of partition keys.</summary>
    public async IAsyncEnumerable<TableEntity> ReadBeforeAsync(DateOnly day, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey ge {PartitionPrefix} and PartitionKey lt {PartitionOf(day)}");
        await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            yield return row;
        }
    }

    private static string Inverted(DateTimeOffset time) =>
        (InversionBase - time.ToUnixTimeMilliseconds()).ToString("D13", CultureInfo.InvariantCulture);
}
