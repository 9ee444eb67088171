using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;

namespace PromptQueue.Infra.Tests;

/// <summary>Finds the Bicep CLI that restore put in the NuGet cache and runs it.</summary>
public static class BicepCli
{
    private const string PackageId = "azure.bicep.commandline.linux-x64";
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(2);

    public static string RepoRoot => Metadata("RepoRoot");

    /// <summary>Compiles a .bicep file (relative to the repo root) to ARM JSON; returns the JSON and the diagnostics.</summary>
    public static async Task<(string Json, string Diagnostics)> BuildAsync(string relativePath)
    {
        var cli = Locate();
        var startInfo = new ProcessStartInfo(cli)
        {
            WorkingDirectory = RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "build", relativePath, "--no-restore", "--stdout" })
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo)
            ?? throw new InvalidOperationException($"Could not start {cli}.");
        using var timeout = new CancellationTokenSource(BuildTimeout);
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        var json = await stdout;
        var diagnostics = await stderr;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"bicep build {relativePath} exited with {process.ExitCode}:\n{diagnostics}");
        }

        return (json, diagnostics);
    }

    private static string Locate()
    {
        var version = Metadata("BicepCliVersion");
        var packageRoot = Metadata("NuGetPackageRoot");
        var restoreHint =
            $"Restore it with `dotnet restore tests/PromptQueue.Infra.Tests` (a PackageDownload of Azure.Bicep.CommandLine.linux-x64 {version}, " +
            "version from Directory.Packages.props) or run `.ci/bicep-check`, which restores the same package.";
        if (!OperatingSystem.IsLinux() || RuntimeInformation.OSArchitecture != Architecture.X64)
        {
            Assert.Fail($"The Bicep CLI package used here runs on Linux x64 only; this is {RuntimeInformation.OSDescription} {RuntimeInformation.OSArchitecture}.");
        }

        if (string.IsNullOrEmpty(packageRoot))
        {
            Assert.Fail($"The NuGet package root was unknown at build time, so the Bicep CLI cannot be located. {restoreHint}");
        }

        var cli = Path.Combine(packageRoot, PackageId, version, "tools", "bicep");
        if (!File.Exists(cli))
        {
            Assert.Fail($"Bicep CLI not found at {cli}. {restoreHint}");
        }

        // NuGet extracts files without the executable bit.
        if (OperatingSystem.IsLinux())
        {
            var mode = File.GetUnixFileMode(cli);
            const UnixFileMode execute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
            if ((mode & UnixFileMode.UserExecute) == 0)
            {
                File.SetUnixFileMode(cli, mode | execute);
            }
        }

        return cli;
    }

    private static string Metadata(string key) =>
        typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(attribute => attribute.Key == key)?.Value
        ?? throw new InvalidOperationException($"Assembly metadata '{key}' is missing; see PromptQueue.Infra.Tests.csproj.");
}
