using System.Diagnostics;

namespace PromptQueue.IntegrationTests.Cli;

/// <summary>Runs the real <c>promptq</c> program as a child process, as a user would.</summary>
public static class PromptqProcess
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    public sealed record Result(int ExitCode, string Output, string Errors);

    public static async Task<Result> RunAsync(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
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

        using var process = Process.Start(start)!;
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
