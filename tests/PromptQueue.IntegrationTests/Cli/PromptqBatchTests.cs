using System.Text.Json;
using Azure.Data.Tables;
using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Cli;

/// <summary><c>promptq batch</c> end to end: a real process against the shared Azurite.</summary>
[Collection(AzuriteTests.Name)]
public sealed class PromptqBatchTests(AzuriteFixture azurite) : IDisposable
{
    private readonly string _workDirectory = Directory.CreateTempSubdirectory("promptq-batch-").FullName;

    [Fact]
    public async Task BatchSubmitStatusResults_JsonlFile_PrintsOnlyDataOnStandardOutputAndWorkCompletesIt()
    {
        // Arrange
        var file = Path.Combine(_workDirectory, "batch.jsonl");
        await File.WriteAllLinesAsync(file,
        [
            """{"custom_id":"capital","prompt":"What is the capital of France?"}""",
            """{"custom_id":"leaves","prompt":"Why do leaves change colour?"}""",
            """{"prompt":"A third, unnamed question"}""",
        ]);
        var environment = PromptqProcess.IsolatedStorage(azurite);

        // Act
        var submit = await PromptqProcess.RunAsync(environment, "batch", "submit", file);
        var batchId = submit.Output.Trim();
        var pending = await PromptqProcess.RunAsync(environment, "batch", "status", batchId);
        using (var worker = PromptqProcess.Start(environment, "work"))
        {
            await WaitForCompletionAsync(environment, batchId, TimeSpan.FromSeconds(60));
            await PromptqProcess.SignalAsync(worker, "INT", "work");
        }

        var done = await PromptqProcess.RunAsync(environment, "batch", "status", batchId);
        var results = await PromptqProcess.RunAsync(environment, "batch", "results", batchId);

        // Assert
        Assert.True(submit.ExitCode == 0, submit.Errors);
        Assert.Matches("^batch-[0-9a-z]{26}$", batchId);
        Assert.Contains($"promptq batch status {batchId}", submit.Errors, StringComparison.Ordinal);
        Assert.Contains("Dispatching", pending.Output, StringComparison.Ordinal);
        Assert.Contains("0/3 done: 3 pending", pending.Output, StringComparison.Ordinal);
        Assert.Contains("Completed", done.Output, StringComparison.Ordinal);
        Assert.Contains("[##############################] 3/3 done: 3 completed", done.Output, StringComparison.Ordinal);
        Assert.Equal(0, results.ExitCode);
        var lines = results.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonSerializer.Deserialize<BatchResultLine>(l, ContractJson.Options)!).ToList();
        Assert.Equal(["capital", "leaves", null], lines.Select(l => l.CustomId));
        Assert.All(lines, l => Assert.Equal(JobStatus.Completed, l.Status));
        Assert.All(lines, l => Assert.False(string.IsNullOrEmpty(l.Answer)));
    }

    [Fact]
    public async Task BatchSubmit_InvalidLine_RefusesTheFileAndSaysWhere()
    {
        // Arrange
        var file = Path.Combine(_workDirectory, "bad.jsonl");
        await File.WriteAllLinesAsync(file, ["""{"prompt":"fine"}""", """{"prompt":7}"""]);

        // Act
        var submit = await PromptqProcess.RunAsync(PromptqProcess.IsolatedStorage(azurite), "batch", "submit", file);

        // Assert
        Assert.Equal(64, submit.ExitCode);
        Assert.Equal("", submit.Output.Trim());
        Assert.Contains($"{file}:2: $.prompt: must be a string, not a number", submit.Errors, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_workDirectory, recursive: true);

    private async Task WaitForCompletionAsync(Dictionary<string, string?> environment, string batchId, TimeSpan timeout)
    {
        var table = new TableServiceClient(azurite.ConnectionString).GetTableClient(environment["PromptQueue__BatchTable"]);
        using var deadline = new CancellationTokenSource(timeout);
        while (!deadline.IsCancellationRequested)
        {
            var header = await table.GetEntityIfExistsAsync<TableEntity>(batchId, "batch", cancellationToken: CancellationToken.None);
            if (header.HasValue && header.Value!.GetString("Status") == nameof(BatchStatus.Completed))
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), CancellationToken.None);
        }

        Assert.Fail($"batch {batchId} did not complete within {timeout}");
    }

}
