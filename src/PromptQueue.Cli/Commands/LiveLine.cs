namespace PromptQueue.Cli.Commands;

/// <summary>A status line redrawn in place on a terminal, and printed once per change when the output is a file or a pipe.</summary>
internal sealed class LiveLine(TextWriter output)
{
    private readonly bool _inPlace = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
    private string _last = "";

    public void Show(string line)
    {
        if (line == _last)
        {
            return;
        }

        _last = line;
        if (_inPlace)
        {
            output.Write("\r" + line.PadRight(Console.BufferWidth > 0 ? Math.Min(Console.BufferWidth - 1, 160) : line.Length));
        }
        else
        {
            output.WriteLine(line);
        }
    }

    /// <summary>Ends the line on a terminal, so that what follows starts on a line of its own.</summary>
    public void Finish()
    {
        if (_inPlace && _last.Length > 0)
        {
            output.WriteLine();
        }
    }
}
