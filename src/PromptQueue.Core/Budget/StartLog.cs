using System.Collections;
using System.Globalization;
using System.Text;

namespace PromptQueue.Core.Budget;

/// <summary>One request start the budget counts: a call made, or a slot reserved ahead for a deferred job.</summary>
/// <param name="At">When the request starts (or started), to the millisecond.</param>
/// <param name="Holder">The job it belongs to, as <see cref="BudgetRules.HolderOf"/>; null for a call with no job.</param>
/// <param name="Reserved">True while the slot waits for its job to come back; false once the call is under way.</param>
/// <param name="Bulk">True for a bulk job's start (see <see cref="PromptQueue.Contracts.JobPriority"/>): an interactive job may take its reserved slot.</param>
public readonly record struct BudgetStart(DateTimeOffset At, string? Holder = null, bool Reserved = false, bool Bulk = false);

/// <summary>
/// The request starts that still count against the per-minute limit, oldest first: those of the last window, and
/// the slots reserved ahead. Compared by value, so an unchanged budget is never written again.
/// </summary>
public sealed class StartLog : IReadOnlyList<BudgetStart>, IEquatable<StartLog>
{
    public static readonly StartLog Empty = new([]);

    private readonly BudgetStart[] _starts;

    private StartLog(BudgetStart[] sorted) => _starts = sorted;

    public static StartLog Of(IEnumerable<BudgetStart> starts) => new([.. starts.OrderBy(s => s.At)]);

    public int Count => _starts.Length;

    public BudgetStart this[int index] => _starts[index];

    /// <summary>The log with <paramref name="start"/> added in its place.</summary>
    public StartLog With(BudgetStart start) => Of(_starts.Append(start));

    /// <summary>The log without the first start that matches <paramref name="match"/>.</summary>
    public StartLog Without(Func<BudgetStart, bool> match)
    {
        var index = Array.FindIndex(_starts, s => match(s));
        return index < 0 ? this : new([.. _starts[..index], .. _starts[(index + 1)..]]);
    }

    /// <summary>The log keeping only the starts that match <paramref name="keep"/>.</summary>
    public StartLog Where(Func<BudgetStart, bool> keep)
    {
        var kept = _starts.Where(keep).ToArray();
        return kept.Length == _starts.Length ? this : new(kept);
    }

    /// <summary>
    /// The stored form: starts separated by ',', each the milliseconds since the previous start (the first since the
    /// Unix epoch), then ':' and the holder, then ':' and the flags: 'r' while reserved, 'b' for a bulk job's. Deltas keep a burst of twenty to a few bytes each.
    /// </summary>
    public string Serialize()
    {
        var text = new StringBuilder();
        var previous = 0L;
        foreach (var start in _starts)
        {
            var at = start.At.ToUnixTimeMilliseconds();
            if (text.Length > 0)
            {
                text.Append(',');
            }

            text.Append((at - previous).ToString(CultureInfo.InvariantCulture));
            previous = at;
            if (start.Holder is not null || start.Reserved || start.Bulk)
            {
                text.Append(':').Append(start.Holder);
            }

            if (start.Reserved || start.Bulk)
            {
                text.Append(':').Append(start.Reserved ? "r" : "").Append(start.Bulk ? "b" : "");
            }
        }

        return text.ToString();
    }

    /// <summary>Reads <see cref="Serialize"/>'s form; a start that cannot be read is dropped, so a damaged row never stops the budget.</summary>
    public static StartLog Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return Empty;
        }

        var starts = new List<BudgetStart>();
        var previous = 0L;
        foreach (var entry in text.Split(','))
        {
            var parts = entry.Split(':');
            if (!long.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var delta))
            {
                continue;
            }

            previous += delta;
            var holder = parts.Length > 1 && parts[1].Length > 0 ? parts[1] : null;
            var flags = parts.Length > 2 ? parts[2] : "";
            starts.Add(new BudgetStart(DateTimeOffset.FromUnixTimeMilliseconds(previous), holder, flags.Contains('r', StringComparison.Ordinal), flags.Contains('b', StringComparison.Ordinal)));
        }

        return Of(starts);
    }

    public IEnumerator<BudgetStart> GetEnumerator() => ((IEnumerable<BudgetStart>)_starts).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public bool Equals(StartLog? other) => other is not null && _starts.AsSpan().SequenceEqual(other._starts);

    public override bool Equals(object? obj) => Equals(obj as StartLog);

    public override int GetHashCode() => _starts.Length == 0 ? 0 : HashCode.Combine(_starts.Length, _starts[0], _starts[^1]);
}
