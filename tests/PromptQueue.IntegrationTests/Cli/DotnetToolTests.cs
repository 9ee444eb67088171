using System.Diagnostics;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Cli;

/// <summary><c>promptq</c> as a .NET tool: packed from the repository and installed from that local package, as the README says.</summary>
public sealed class DotnetToolTests : IDisposable
{
    private readonly string _workDirectory = Directory.CreateTempSubdirectory("promptq-tool-").FullName;

    [Fact]
    public async Task PackThenToolInstall_FromTheLocalPackage_PutsAWorkingPromptqInTheToolPath()
    {
        // Arrange
        var project = Path.Combine(Repository.Root, "src", "PromptQueue.Cli", "PromptQueue.Cli.csproj");
        var packages = Path.Combine(_workDirectory, "packages");
        var tools = Path.Combine(_workDirectory, "tools");

        // Act: the build the test run already made is packed as it is; installing reads only the local folder.
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var pack = await RunAsync("dotnet", "pack", project, "--no-build", "--configuration", configuration, "--output", packages);
        var install = await RunAsync("dotnet", "tool", "install", "PromptQueue.Cli", "--tool-path", tools, "--add-source", packages, "--ignore-failed-sources");
        var version = await RunAsync(Path.Combine(tools, OperatingSystem.IsWindows() ? "promptq.exe" : "promptq"), "--version");
        var help = await RunAsync(Path.Combine(tools, OperatingSystem.IsWindows() ? "promptq.exe" : "promptq"), "jobs", "list", "--help");

        // Assert
        Assert.True(pack.ExitCode == 0, pack.Output);
        Assert.True(install.ExitCode == 0, install.Output);
        Assert.Contains("promptq", install.Output, StringComparison.Ordinal);
        Assert.True(version.ExitCode == 0, version.Output);
        Assert.StartsWith("0.1.0", version.Output.Trim(), StringComparison.Ordinal);
        Assert.Contains("--status <STATUS>", help.Output, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_workDirectory, recursive: true);

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await errors);
    }
}
