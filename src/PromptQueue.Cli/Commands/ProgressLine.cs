using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;
using PromptQueue.Core.Storage;

namespace PromptQueue.Cli.Commands;

/// <summary>A one-line progress bar, redrawn in place on a terminal and printed on change otherwise.</summary>
internal sealed class ProgressLine(TextWriter output, int total)
{
    private const int Width = 30;

    private readonly bool _inPlace = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
    private string _last = "";

    public Task ShowAsync(IReadOnlyCollection<JobRecord> records)
    {
        var done = records.Count(r => r.Status.IsTerminal());
        var counts = string.Join(", ", records.GroupBy(r => r.Status).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}"));
        var waiting = records.Where(r => r.Status == JobStatus.Waiting && r.NextAttemptAt is not null).MinBy(r => r.NextAttemptAt);
        var note = waiting is null ? "" : $"; next retry {waiting.NextAttemptAt:HH:mm:ss} UTC ({waiting.WaitReason})";
        return DrawAsync(done, $"{counts}{note}");
    }

    /// <summary>A batch's progress from its header: settled items, counts, and when the last should finish.</summary>
    public Task ShowAsync(BatchView batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var counts = batch.Counts.OrderBy(c => c.Key).Select(c => $"{c.Value} {(c.Key == JobStatus.Queued ? "in flight" : c.Key.ToString().ToLowerInvariant())}");
        var pending = batch.Pending > 0 ? [$"{batch.Pending} pending"] : Array.Empty<string>();
        var estimate = batch.Status is BatchStatus.Dispatching or BatchStatus.Running && batch.EstimatedCompletionAt is { } eta ? $"; done by about {eta:yyyy-MM-dd HH:mm} UTC" : "";
        return DrawAsync((int)Math.Round(batch.Progress * total), string.Join(", ", pending.Concat(counts)) + estimate);
    }

    private async Task DrawAsync(int done, string detail)
    {
        var filled = total == 0 ? Width : Math.Min(Width, done * Width / total);
        var line = $"[{new string('#', filled)}{new string('.', Width - filled)}] {done}/{total} done: {detail}";
        if (line == _last)
        {
            return;
        }

        _last = line;
        if (_inPlace)
        {
            await output.WriteAsync("\r" + line.PadRight(Console.BufferWidth > 0 ? Math.Min(Console.BufferWidth - 1, 160) : line.Length));
        }
        else
        {
            await output.WriteLineAsync(line);
        }
    }

    public async Task FinishAsync()
    {
        if (_inPlace)
        {
            await output.WriteLineAsync();
        }
    }
}
