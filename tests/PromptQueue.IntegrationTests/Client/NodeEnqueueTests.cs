using System.Diagnostics;
using PromptQueue.Contracts;
using PromptQueue.Core.Processing;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Client;

/// <summary>A Node.js service enqueues jobs with the Azure SDK for JavaScript (samples/node), and the .NET worker runs them.</summary>
[Collection(AzuriteTests.Name)]
public sealed class NodeEnqueueTests(AzuriteFixture azurite)
{
    private const string Script = "samples/node/enqueue-job.mjs";
    private static readonly TimeSpan NodeDeadline = TimeSpan.FromMinutes(1);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task EnqueueJobScript_PlainOrBase64_WorkerCompletesTheJobItPrinted(bool base64)
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        string[] args = ["--prompt", "Why is the sky blue?", "--queue", app.JobQueueName, .. base64 ? new[] { "--base64" } : []];

        // Act
        var jobId = await RunScriptAsync(app.ConnectionString, args);
        var result = await app.ProcessNextAsync();

        // Assert
        Assert.True(PromptJobReader.IsValidJobId(jobId), $"the script printed '{jobId}', not a job id");
        Assert.Equal(new JobProcessingResult(jobId, JobOutcome.Completed), result);
        var record = await app.Store.FindAsync(jobId, CancellationToken.None);
        Assert.Equal(JobStatus.Completed, record!.Status);
    }

    /// <summary>Runs the sample with node; the connection string goes by environment, as a service would pass a secret.</summary>
    private static async Task<string> RunScriptAsync(string connectionString, IEnumerable<string> args)
    {
        var root = RepositoryRoot();
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(root, Script));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["AZURE_STORAGE_CONNECTION_STRING"] = connectionString;
        Process node;
        try
        {
            node = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("The Node interop test needs node on the PATH and the packages of package-lock.json: install Node.js, then run 'npm ci' in the repository root.", ex);
        }

        using (node)
        {
            var output = node.StandardOutput.ReadToEndAsync();
            var errors = node.StandardError.ReadToEndAsync();
            using var deadline = new CancellationTokenSource(NodeDeadline);
            try
            {
                await node.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                node.Kill(entireProcessTree: true);
                throw new TimeoutException($"node {Script} did not finish within {NodeDeadline}: {await errors}");
            }

            Assert.True(node.ExitCode == 0, $"node {Script} exited with {node.ExitCode}: {await errors}");
            return (await output).Trim();
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, Script)))
            {
                var package = Path.Combine(directory.FullName, "node_modules", "@azure", "storage-queue", "package.json");
                return File.Exists(package)
                    ? directory.FullName
                    : throw new InvalidOperationException($"@azure/storage-queue is not installed in {directory.FullName}: run 'npm ci' in the repository root.");
            }
        }

        throw new InvalidOperationException($"{Script} was not found above {AppContext.BaseDirectory}.");
    }
}
