using System.Globalization;
using System.Text;

namespace PromptQueue.Bench;

/// <summary>When the simulated account admitted each call (its real clock), and what that shows of the pacing.</summary>
internal sealed record AdmissionTimeline(IReadOnlyList<DateTimeOffset> AdmittedAt)
{
    public static AdmissionTimeline Empty { get; } = new([]);

    /// <summary>From the first admitted call to the last.</summary>
    public TimeSpan Spread => AdmittedAt.Count < 2 ? TimeSpan.Zero : AdmittedAt[^1] - AdmittedAt[0];

    /// <summary>
    /// The longest time between two calls in a row. Every job was submitted before the first call, so until the last
    /// call some job was always waiting: any gap here is time the queue sat waiting for the pacing.
    /// </summary>
    public (TimeSpan Gap, int After) LongestGap()
    {
        var longest = (Gap: TimeSpan.Zero, After: -1);
        for (var i = 1; i < AdmittedAt.Count; i++)
        {
            if (AdmittedAt[i] - AdmittedAt[i - 1] > longest.Gap)
            {
                longest = (AdmittedAt[i] - AdmittedAt[i - 1], i - 1);
            }
        }

        return longest;
    }

    /// <summary>Every call's start in seconds from the first, ten a line, for reading what happened around a gap.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        for (var i = 0; i < AdmittedAt.Count; i++)
        {
            text.Append(i % 10 == 0 ? (i == 0 ? "" : Environment.NewLine) + $"    #{i + 1,3}:" : "")
                .Append(CultureInfo.InvariantCulture, $" {(AdmittedAt[i] - AdmittedAt[0]).TotalSeconds,8:0.000}");
        }

        return text.ToString();
    }
}
