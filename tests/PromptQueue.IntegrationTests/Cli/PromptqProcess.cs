using System.Diagnostics;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Cli;

/// <summary>Runs the real <c>promptq</c> program as a child process, as a user would.</summary>
public static class PromptqProcess
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    public sealed record Result(int ExitCode, string Output, string Errors);

    /// <summary>
    /// Environment for a <c>promptq</c> child process on the shared Azurite, with a queue and tables of its own. The
    /// budget allows 1200 requests a minute: pacing is tested on its own, and here it would only slow the run down.
    /// </summary>
    public static Dictionary<string, string?> IsolatedStorage(AzuriteFixture azurite, string prefix = "cli")
    {
        ArgumentNullException.ThrowIfNull(azurite);
        var suffix = Guid.NewGuid().ToString("N")[..12];
        var tables = char.ToUpperInvariant(prefix[0]) + prefix[1..];
        return new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["PromptQueue__JobQueue"] = $"{prefix}-{suffix}",
            ["PromptQueue__JobTable"] = tables + suffix,
            ["PromptQueue__BatchTable"] = $"{tables}Batches{suffix}",
            ["Budget__Table"] = $"{tables}Budget{suffix}",
            ["Budget__RequestsPerMinute"] = "1200",
        };
    }

    public static async Task<Result> RunAsync(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        using var process = Start(environment, args);
        return await WaitAsync(process, args);
    }

    /// <summary>Starts promptq and leaves it running; pair with <see cref="SignalAsync"/>.</summary>
    /// <remarks>
    /// A process started in the background of a non-interactive shell inherits SIGINT as ignored, and so does every
    /// process it starts, this test run and its children included; .NET then never sees a Ctrl+C. A user presses
    /// Ctrl+C in a terminal, where promptq runs in the foreground with SIGINT at its default, so the child is started
    /// the same way, through a one-line launcher that restores the default before it runs dotnet.
    /// </remarks>
    public static Process Start(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var start = new ProcessStartInfo("python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp('dotnet', ['dotnet'] + sys.argv[1:])");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "promptq.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // The child must not inherit a developer's real key or storage: the test decides both.
        start.Environment.Remove("OPENROUTER_API_KEY");
        start.Environment.Remove("AzureWebJobsStorage");
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return Process.Start(start)!;
    }

    /// <summary>
    /// Sends a stop signal, as a user pressing Ctrl+C (INT) or a service manager (TERM) would, and waits for the exit.
    /// </summary>
    public static async Task<Result> SignalAsync(Process process, string signal, params string[] args)
    {
        using (var kill = Process.Start("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        return await WaitAsync(process, args);
    }

    /// <summary>Waits for a started promptq to exit and collects what it printed.</summary>
    public static async Task<Result> WaitAsync(Process process, params string[] args)
    {
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"promptq {string.Join(' ', args)} did not finish within {Timeout}. Output so far: {await output}{await errors}");
        }

        return new Result(process.ExitCode, await output, await errors);
    }
}
