using System.Diagnostics;
using System.Text;

namespace PromptQueue.FunctionsHost.E2E;

/// <summary>How the Functions host is started: Core Tools' <c>func</c> when it is on PATH, else the host beside the repository.</summary>
/// <param name="Name">What the output calls it.</param>
/// <param name="FileName">The program to start.</param>
/// <param name="Arguments">Its arguments.</param>
/// <param name="EnforcesKeys">False for Core Tools, which lets every request through locally.</param>
/// <remarks>Core Tools runs with <c>--verbose</c>, so that its output holds the host log lines the check reads.</remarks>
internal sealed record HostLauncher(string Name, string FileName, IReadOnlyList<string> Arguments, bool EnforcesKeys)
{
    public static HostLauncher Find(string repositoryRoot, string appDirectory, int port)
    {
        if (FindOnPath("func") is { } func)
        {
            return new HostLauncher("Core Tools (func)", func, ["start", "--verbose", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)], EnforcesKeys: false);
        }

        var script = Path.GetFullPath(Path.Combine(repositoryRoot, "..", "shared", "functions-host", "run-app.sh"));
        if (!File.Exists(script))
        {
            throw new InvalidOperationException(
                $"No Functions host: 'func' is not on PATH and {script} does not exist. Install Azure Functions Core Tools 4.x, " +
                "or check out the shared folder beside the repository.");
        }

        return new HostLauncher("the public Functions host (shared/functions-host)", "bash", [script, appDirectory], EnforcesKeys: true);
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
}

/// <summary>One run of the Functions host, its output kept in memory and in a log file.</summary>
internal sealed class FunctionsHostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StreamWriter _log;
    private bool _disposed;
    private bool _logClosed;

    private FunctionsHostProcess(Process process, StreamWriter log)
    {
        _process = process;
        _log = log;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public static FunctionsHostProcess Start(HostLauncher launcher, string appDirectory, IReadOnlyDictionary<string, string> environment, string logPath)
    {
        var start = new ProcessStartInfo(launcher.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = appDirectory,
        };
        foreach (var argument in launcher.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{launcher.FileName} did not start.");
        return new FunctionsHostProcess(process, new StreamWriter(logPath, append: true) { AutoFlush = true });
    }

    /// <summary>Waits until the output holds <paramref name="text"/>, failing if the host exits or the time runs out.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var started = Stopwatch.StartNew();
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the host exited (code {_process.ExitCode}) before it printed '{text}'");
            }

            if (started.Elapsed > timeout)
            {
                throw new TimeoutException($"the host did not print '{text}' within {timeout}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>Sends SIGTERM, as a platform stopping an instance does, and waits for the host to exit.</summary>
    public async Task<TimeSpan> TerminateAsync(TimeSpan timeout)
    {
        var started = Stopwatch.StartNew();
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill!.WaitForExitAsync();
        }

        using var deadline = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(deadline.Token);
        return started.Elapsed;
    }

    /// <summary>Kills the host and its worker with SIGKILL, as a crashed machine would: neither gets to clean up.</summary>
    public TimeSpan Kill()
    {
        var started = Stopwatch.StartNew();
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
        return started.Elapsed;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_process.HasExited)
        {
            try
            {
                await TerminateAsync(TimeSpan.FromSeconds(30));
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
        lock (_output)
        {
            _logClosed = true;
            _log.Dispose();
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
            if (!_logClosed)
            {
                _log.WriteLine(line);
            }
        }
    }
}
