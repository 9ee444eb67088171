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

    /// <summary>Jobs neither completed nor poisoned nor failed when the run ended: nobody will ever finish them.</summary>
    public int Lost => Workload.Jobs - Completed - Poisoned - Failed;

    /// <summary>Calls the account admitted beyond one per completed job: answers paid for twice, or thrown away.</summary>
    public int DuplicateCalls => Admitted - Completed;

    public double CallsPerCompletedJob => Completed == 0 ? double.NaN : (double)ApiCalls / Completed;

    public double RateLimitedPer100Calls => ApiCalls == 0 ? 0 : 100.0 * RateLimited / ApiCalls;

    /// <summary>Completed jobs per simulated minute of the drain, as a share of the account's limit R.</summary>
    public double AchievedRateOfLimit => Completed / (Wall / Workload.SimulatedMinute) / Workload.RequestsPerMinute;

    /// <summary>How long the drain took compared with the shortest possible, N / R.</summary>
    public double DrainOverIdeal => Wall / Workload.IdealDrain;
}

/// <summary>Prints the runs side by side, one metric per row, with the ratio of the last run to the first.</summary>
internal static class ResultTable
{
    public static string Format(IReadOnlyList<RunResult> runs)
    {
        var first = runs[0];
        var last = runs[^1];
        var rows = new List<string[]>
        {
            Header(["metric", .. runs.Select(r => r.Name), $"{last.Name} / {first.Name}"]),
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
        rows.Add(Row($"max admitted in a simulated minute (R = {first.Workload.RequestsPerMinute})", runs, r => r.MaxAdmittedInAnyMinute, Integer));
        rows.Add(Row("achieved rate / R", runs, r => r.AchievedRateOfLimit, Decimal));
        rows.Add(Row("wall time (s)", runs, r => r.Wall.TotalSeconds, Decimal));
        rows.Add(Row("drain time / (N/R)", runs, r => r.DrainOverIdeal, Decimal));
        return Render(rows);
    }

    private static string[] Header(string[] cells) => cells;

    private static string[] Row(string metric, IReadOnlyList<RunResult> runs, Func<RunResult, double> value, Func<double, string> format)
    {
        var cells = new List<string> { metric };
        cells.AddRange(runs.Select(r => format(value(r))));
        var first = value(runs[0]);
        var last = value(runs[^1]);
        cells.Add(first == 0 || double.IsNaN(first) || double.IsNaN(last) ? "-" : (last / first).ToString("0.00", CultureInfo.InvariantCulture));
        return [.. cells];
    }

    private static string Integer(double value) => value.ToString("0", CultureInfo.InvariantCulture);

    private static string Decimal(double value) => double.IsNaN(value) ? "-" : value.ToString("0.00", CultureInfo.InvariantCulture);

    private static string Render(List<string[]> rows)
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
