using System.Diagnostics;
using System.Globalization;

namespace PromptQueue.Soak;

/// <summary>One <c>promptq work</c> child process; its output is drained and discarded, its peak memory read from /proc.</summary>
internal sealed class SoakWorker : IDisposable
{
    private readonly Process _process;
    private int _errorLines;

    public SoakWorker(IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "promptq.dll"));
        start.ArgumentList.Add("work");
        start.Environment.Remove("OPENROUTER_API_KEY");
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start promptq.");
        _process.OutputDataReceived += (_, e) => Count(e.Data);
        _process.ErrorDataReceived += (_, e) => Count(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Lines the worker logged at error level ("fail:"), such as failed deliveries.</summary>
    public int ErrorLines => Volatile.Read(ref _errorLines);

    /// <summary>VmHWM (peak resident set) in KiB, or null once the process is gone.</summary>
    public long? PeakMemoryKib()
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{_process.Id.ToString(CultureInfo.InvariantCulture)}/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    return long.Parse(line["VmHWM:".Length..].Replace("kB", "", StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }

        return null;
    }

    /// <summary>Ctrl+C, then a kill if it has not stopped within <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }

        using (var interrupt = Process.Start("kill", ["-INT", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await interrupt.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }

    private void Count(string? line)
    {
        if (line is not null && line.StartsWith("fail:", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _errorLines);
        }
    }
}
