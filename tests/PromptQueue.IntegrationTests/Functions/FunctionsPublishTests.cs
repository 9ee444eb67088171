using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using PromptQueue.Functions;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Functions;

/// <summary>
/// Runs <c>dotnet publish</c> on the Functions app, as <c>azd deploy</c> does, and checks what would be deployed.
/// </summary>
/// <remarks>
/// The publish runs on a copy of the sources in a temporary directory, so its restore, its Release build and the
/// Worker SDK's generated extensions project never touch the <c>obj</c> and <c>bin</c> folders that a concurrent
/// build or test run of the repository is using.
/// </remarks>
public sealed class FunctionsPublishTests : IDisposable
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(5);

    private readonly DirectoryInfo _workspace = Directory.CreateTempSubdirectory("promptqueue-publish-");

    [Fact]
    public async Task Publish_FunctionsApp_OutputListsEveryFunctionAndHoldsHostJsonButNoLocalSettings()
    {
        // Arrange
        var source = CopySources(Path.Combine(_workspace.FullName, "repo"));
        var output = Path.Combine(_workspace.FullName, "publish");
        Assert.True(File.Exists(Path.Combine(source, "local.settings.json")), "the copied sources lack local.settings.json, so its absence would prove nothing");
        var declared = typeof(ProcessJob).Assembly.GetTypes()
            .SelectMany(type => type.GetMethods())
            .Select(method => method.GetCustomAttribute<FunctionAttribute>()?.Name)
            .OfType<string>()
            .Order(StringComparer.Ordinal)
            .ToList();

        // Act
        var (exitCode, log) = await PublishAsync(Path.Combine(source, "src", "PromptQueue.Functions"), output);

        // Assert
        Assert.True(exitCode == 0, $"dotnet publish failed with exit code {exitCode}:\n{log}");
        var metadataPath = Path.Combine(output, "functions.metadata");
        Assert.True(File.Exists(metadataPath), $"functions.metadata is not in the publish output:\n{string.Join('\n', Directory.EnumerateFileSystemEntries(output))}");
        using var metadata = JsonDocument.Parse(await File.ReadAllTextAsync(metadataPath));
        var functions = metadata.RootElement.EnumerateArray().ToList();
        Assert.Contains("ProcessJob", declared);
        Assert.Contains("DeadLetterJob", declared);
        Assert.Equal(declared, functions.Select(f => f.GetProperty("name").GetString()!).Order(StringComparer.Ordinal));
        Assert.All(functions, f => Assert.True(
            File.Exists(Path.Combine(output, f.GetProperty("scriptFile").GetString()!)),
            $"{f.GetProperty("name").GetString()} names a script file that was not published"));

        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(source, "host.json")), await File.ReadAllTextAsync(Path.Combine(output, "host.json")));
        Assert.Empty(Directory.EnumerateFiles(output, "local.settings*.json", SearchOption.AllDirectories));

        // The host loads the queue trigger from these; without them no function would ever fire.
        using var extensions = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "extensions.json")));
        var queues = Assert.Single(extensions.RootElement.GetProperty("extensions").EnumerateArray(), e => e.GetProperty("name").GetString() == "AzureStorageQueues");
        var hintPath = queues.GetProperty("hintPath").GetString()!;
        Assert.True(File.Exists(Path.Combine(output, hintPath)), $"the queue extension {hintPath} was not published");
        Assert.True(File.Exists(Path.Combine(output, "worker.config.json")), "worker.config.json was not published");
    }

    public void Dispose() => _workspace.Delete(recursive: true);

    /// <summary>Copies the files at the repository root and the <c>src</c> tree, without build outputs.</summary>
    private static string CopySources(string destination)
    {
        var root = Repository.Root;
        Directory.CreateDirectory(destination);
        foreach (var file in Directory.EnumerateFiles(root))
        {
            File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
        }

        CopyTree(Path.Combine(root, "src"), Path.Combine(destination, "src"));
        return destination;
    }

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var directory in Directory.EnumerateDirectories(from))
        {
            var name = Path.GetFileName(directory);
            if (name is not ("bin" or "obj"))
            {
                CopyTree(directory, Path.Combine(to, name));
            }
        }
    }

    private static async Task<(int ExitCode, string Log)> PublishAsync(string project, string output)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = project,
        };

        // No build server or reused node may outlive the publish: it would hold this test's output pipes open.
        foreach (var argument in new[] { "publish", project, "-c", "Release", "-o", output, "--nologo", "-nodeReuse:false", "-p:UseSharedCompilation=false" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";

        using var process = Process.Start(start)!;
        var standardOutput = process.StandardOutput.ReadToEndAsync();
        var standardError = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(PublishTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet publish did not finish within {PublishTimeout}:\n{await standardOutput}{await standardError}");
        }

        return (process.ExitCode, await standardOutput + await standardError);
    }
}
