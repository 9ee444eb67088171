using System.Globalization;
using System.Text;

namespace PromptQueue.Bench;

/// <summary>What one run achieved, from the simulator's counters and the jobs' final states.</summary>
internal sealed record RunResult(
    string Name,
    Workload Workload,
    int Completed,
    int Poisoned,
    int Failed,
    int ApiCalls,
    int Admitted,
    int RateLimited,
    int MaxAdmittedInAnyMinute,
    TimeSpan Wall)
{
    /// <summary>Times a job was put back on the queue to wait for its slot, without a call and without losing an attempt.</summary>
    public int Deferrals { get; init; }

    /// <summary>Every deferral, for reading what happened around a gap.</summary>
    public IReadOnlyList<Deferral> DeferralLog { get; init; } = [];

    /// <summary>The most times one job was put back to wait.</summary>
    public int MostDeferralsOfOneJob { get; init; }

    /// <summary>The most calls admitted within any simulated minute, wherever it starts.</summary>
    public int MaxAdmittedInAnySlidingMinute { get; init; }

    /// <summary>When each call was admitted.</summary>
    public AdmissionTimeline Admissions { get; init; } = AdmissionTimeline.Empty;

    /// <summary>PromptQueue's hosts' storage requests during the drain, by kind; null where they were not counted.</summary>
    public IReadOnlyDictionary<string, int>? StorageOperations { get; init; }

    public double DeferralsPerJob => (double)Deferrals / Workload.Jobs;

    public double StorageOperationsPerJob => StorageOperations is { } operations ? (double)operations.Values.Sum() / Workload.Jobs : double.NaN;

    /// <summary>Jobs neither completed nor poisoned nor failed when the run ended: nobody will ever finish them.</summary>
    public int Lost => Workload.Jobs - Completed - Poisoned - Failed;

    /// <summary>Calls the account admitted beyond one per completed job: answers paid for twice, or thrown away.</summary>
    public int DuplicateCalls => Admitted - Completed;

    public double CallsPerCompletedJob => Completed == 0 ? double.NaN : (double)ApiCalls / Completed;

    public double RateLimitedPer100Calls => ApiCalls == 0 ? 0 : 100.0 * RateLimited / ApiCalls;

    /// <summary>Completed jobs per simulated minute of the drain, as a share of the account's limit R.</summary>
    public double AchievedRateOfLimit => Completed / (Wall / Workload.SimulatedMinute) / Workload.RequestsPerMinute;

    /// <summary>How long the drain took compared with the shortest the account's rule allows.</summary>
    public double DrainOverShortest => Wall / Workload.ShortestDrain;
}

/// <summary>Prints the runs side by side, one metric per row, with the ratio of the last run to the first when there are two or more.</summary>
internal static class ResultTable
{
    public static string Format(IReadOnlyList<RunResult> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var first = runs[0];
        var last = runs[^1];
        var limit = first.Workload.RequestsPerMinute;
        var minute = first.Workload.IsRealTime ? "60 s" : "simulated minute";
        var rows = new List<string[]>
        {
            Header(["metric", .. runs.Select(r => r.Name), .. runs.Count > 1 ? new[] { $"{last.Name} / {first.Name}" } : []]),
        };
        rows.Add(Row("jobs completed", runs, r => r.Completed, Integer));
        rows.Add(Row("jobs poisoned or failed", runs, r => r.Poisoned + r.Failed, Integer));
        rows.Add(Row("jobs lost (never finished)", runs, r => r.Lost, Integer));
        rows.Add(Row("API calls made", runs, r => r.ApiCalls, Integer));
        rows.Add(Row("429s received", runs, r => r.RateLimited, Integer));
        rows.Add(Row("429s per 100 calls", runs, r => r.RateLimitedPer100Calls, Decimal));
        rows.Add(Row("calls per completed job", runs, r => r.CallsPerCompletedJob, Decimal));
        rows.Add(Row("duplicate API calls", runs, r => r.DuplicateCalls, Integer));
        rows.Add(Row("re-queued to wait, no call (deferrals)", runs, r => r.Deferrals, Integer));
        rows.Add(Row("deferrals per job", runs, r => r.DeferralsPerJob, Decimal));
        rows.Add(Row("most deferrals of one job", runs, r => r.MostDeferralsOfOneJob, Integer));
        rows.Add(Row("storage operations per job", runs, r => r.StorageOperationsPerJob, Decimal));
        rows.Add(Row("longest gap between admitted calls (s)", runs, r => r.Admissions.LongestGap().Gap.TotalSeconds, Decimal));
        rows.Add(Row($"max admitted in any {minute}, sliding (R = {limit})", runs, r => r.MaxAdmittedInAnySlidingMinute, Integer));
        rows.Add(Row($"max admitted in a fixed {minute}", runs, r => r.MaxAdmittedInAnyMinute, Integer));
        rows.Add(Row("achieved rate / R", runs, r => r.AchievedRateOfLimit, Decimal));
        rows.Add(Row("wall time (s)", runs, r => r.Wall.TotalSeconds, Decimal));
        rows.Add(Row("shortest drain the rule allows (s)", runs, r => r.Workload.ShortestDrain.TotalSeconds, Decimal));
        rows.Add(Row("drain time / shortest", runs, r => r.DrainOverShortest, Decimal));
        return Render(rows);
    }

    private static string[] Header(string[] cells) => cells;

    private static string[] Row(string metric, IReadOnlyList<RunResult> runs, Func<RunResult, double> value, Func<double, string> format)
    {
        var cells = new List<string> { metric };
        cells.AddRange(runs.Select(r => format(value(r))));
        if (runs.Count < 2)
        {
            return [.. cells];
        }

        var first = value(runs[0]);
        var last = value(runs[^1]);
        cells.Add(first == 0 || double.IsNaN(first) || double.IsNaN(last) ? "-" : (last / first).ToString("0.00", CultureInfo.InvariantCulture));
        return [.. cells];
    }

    private static string Integer(double value) => double.IsNaN(value) ? "-" : value.ToString("0", CultureInfo.InvariantCulture);

    private static string Decimal(double value) => double.IsNaN(value) ? "-" : value.ToString("0.00", CultureInfo.InvariantCulture);

    internal static string Render(IReadOnlyList<string[]> rows)
    {
        var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        var text = new StringBuilder();
        for (var i = 0; i < rows.Count; i++)
        {
            text.Append('|');
            for (var c = 0; c < widths.Length; c++)
            {
                text.Append(' ').Append(c == 0 ? rows[i][c].PadRight(widths[c]) : rows[i][c].PadLeft(widths[c])).Append(" |");
            }

            text.AppendLine();
            if (i == 0)
            {
                text.Append('|');
                for (var c = 0; c < widths.Length; c++)
                {
                    text.Append(c == 0 ? ' ' + new string('-', widths[c]) + " |" : ' ' + new string('-', widths[c] - 1) + ": |");
                }

                text.AppendLine();
            }
        }

        return text.ToString();
    }
}
