using PromptQueue.Contracts;
using PromptQueue.Core.Storage;

namespace PromptQueue.Cli.Commands;

/// <summary>A one-line progress bar, redrawn in place on a terminal and printed on change otherwise.</summary>
internal sealed class ProgressLine(TextWriter output, int total)
{
    private const int Width = 30;

    private readonly LiveLine _line = new(output);

    public Task ShowAsync(IReadOnlyCollection<JobRecord> records)
    {
        var done = records.Count(r => r.Status.IsTerminal());
        var filled = total == 0 ? Width : done * Width / total;
        var counts = string.Join(", ", records.GroupBy(r => r.Status).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}"));
        var waiting = records.Where(r => r.Status == JobStatus.Waiting && r.NextAttemptAt is not null).MinBy(r => r.NextAttemptAt);
        var note = waiting is null ? "" : $"; next retry {waiting.NextAttemptAt:HH:mm:ss} UTC ({waiting.WaitReason})";
        _line.Show($"[{new string('#', filled)}{new string('.', Width - filled)}] {done}/{total} done: {counts}{note}");
        return Task.CompletedTask;
    }

    public Task FinishAsync()
    {
        _line.Finish();
        return Task.CompletedTask;
    }
}
