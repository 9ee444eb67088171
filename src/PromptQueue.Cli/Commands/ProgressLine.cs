using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;

namespace PromptQueue.Cli.Commands;

/// <summary>A batch's progress bar, redrawn in place on a terminal and printed on change otherwise.</summary>
internal sealed class ProgressLine(TextWriter output, int total)
{
    private const int Width = 30;

    private readonly LiveLine _line = new(output);

    /// <summary>A batch's progress from its header: settled items, counts, and when the last should finish.</summary>
    public Task ShowAsync(BatchView batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var counts = batch.Counts.OrderBy(c => c.Key).Select(c => $"{c.Value} {(c.Key == JobStatus.Queued ? "in flight" : c.Key.ToString().ToLowerInvariant())}");
        var pending = batch.Pending > 0 ? [$"{batch.Pending} pending"] : Array.Empty<string>();
        var estimate = batch.Status is BatchStatus.Dispatching or BatchStatus.Running && batch.EstimatedCompletionAt is { } eta ? $"; done by about {eta:yyyy-MM-dd HH:mm} UTC" : "";
        var done = (int)Math.Round(batch.Progress * total);
        var filled = total == 0 ? Width : Math.Min(Width, done * Width / total);
        _line.Show($"[{new string('#', filled)}{new string('.', Width - filled)}] {done}/{total} done: {string.Join(", ", pending.Concat(counts))}{estimate}");
        return Task.CompletedTask;
    }

    public Task FinishAsync()
    {
        _line.Finish();
        return Task.CompletedTask;
    }
}
