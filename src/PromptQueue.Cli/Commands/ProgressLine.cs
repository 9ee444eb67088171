using PromptQueue.Contracts;
using PromptQueue.Core.Storage;

namespace PromptQueue.Cli.Commands;

/// <summary>A one-line progress bar, redrawn in place on a terminal and printed on change otherwise.</summary>
internal sealed class ProgressLine(TextWriter output, int total)
{
    private const int Width = 30;

    private readonly bool _inPlace = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
    private string _last = "";

    public async Task ShowAsync(IReadOnlyCollection<JobRecord> records)
    {
        var done = records.Count(r => r.Status.IsTerminal());
        var filled = total == 0 ? Width : done * Width / total;
        var counts = string.Join(", ", records.GroupBy(r => r.Status).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}"));
        var waiting = records.Where(r => r.Status == JobStatus.Waiting && r.NextAttemptAt is not null).MinBy(r => r.NextAttemptAt);
        var note = waiting is null ? "" : $"; next retry {waiting.NextAttemptAt:HH:mm:ss} UTC ({waiting.WaitReason})";
        var line = $"[{new string('#', filled)}{new string('.', Width - filled)}] {done}/{total} done: {counts}{note}";
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
