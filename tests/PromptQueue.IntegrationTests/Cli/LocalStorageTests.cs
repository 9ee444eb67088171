using PromptQueue.IntegrationTests.Faults;

namespace PromptQueue.IntegrationTests.Cli;

/// <summary>
/// The Azurite that promptq starts for itself, on a data folder of the test's own: what promptq acknowledged before it
/// exited is there when it starts again.
/// </summary>
public sealed class LocalStorageTests : IDisposable
{
    private readonly string _workDirectory = Directory.CreateTempSubdirectory("promptq-local-").FullName;

    /// <summary>promptq with no storage configured: it starts Azurite on this test's folder and free ports.</summary>
    private Dictionary<string, string?> OwnAzurite() => new()
    {
        ["Local__AzuriteLocation"] = Path.Combine(_workDirectory, "azurite"),
        ["Local__AzuritePorts"] = $"{RestartableAzurite.FreePort()},{RestartableAzurite.FreePort()},{RestartableAzurite.FreePort()}",
    };

    [Fact]
    public async Task BatchSubmit_ThenPromptqStartsAgain_FindsTheBatchItAcknowledged()
    {
        // Arrange
        var file = Path.Combine(_workDirectory, "batch.jsonl");
        await File.WriteAllLinesAsync(file, ["""{"custom_id":"one","prompt":"First"}""", """{"custom_id":"two","prompt":"Second"}"""]);
        var environment = OwnAzurite();

        // Act: submit exits within a second or two of its writes, well inside Azurite's five-second save interval.
        var submit = await PromptqProcess.RunAsync(environment, "batch", "submit", file);
        var batchId = submit.Output.Trim();
        var status = await PromptqProcess.RunAsync(environment, "batch", "status", batchId);

        // Assert
        Assert.True(submit.ExitCode == 0, submit.Errors);
        Assert.Contains("Storage: started Azurite", submit.Errors, StringComparison.Ordinal);
        Assert.True(status.ExitCode == 0, $"exit {status.ExitCode}\n{status.Output}\n{status.Errors}");
        Assert.Contains(batchId, status.Output, StringComparison.Ordinal);
        Assert.Contains("0/2 done: 2 pending", status.Output, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_workDirectory, recursive: true);
}
