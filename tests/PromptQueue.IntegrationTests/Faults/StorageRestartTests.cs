using PromptQueue.Contracts;
using PromptQueue.Simulator;

namespace PromptQueue.IntegrationTests.Faults;

/// <summary>Storage goes away under a running worker and comes back on the same ports with its data: the worker rides it out.</summary>
public sealed class StorageRestartTests : IDisposable
{
    private static readonly TimeSpan ClaimDuration = TimeSpan.FromSeconds(6);

    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("promptq-faults-azurite-").FullName;

    [Fact]
    public async Task Work_AzuriteStoppedAndRestartedMidRun_WorkerSurvivesAndEveryJobCompletesOnce()
    {
        // Arrange: an Azurite of its own, on disk, on fixed ports so that it can come back where it was.
        await using var azurite = new RestartableAzurite(_dataDirectory);
        await azurite.StartAsync();
        await using var simulator = await OpenRouterSimulator.StartAsync(new SimulatorOptions());
        var scenario = new FaultScenario(azurite.ConnectionString, simulator);
        await scenario.SubmitAsync("outage", Enumerable.Repeat("one second of thought [[sim:latency-ms=1000]]", 10));
        using var worker = WorkerProcess.Start(scenario.WorkerEnvironment(ClaimDuration));
        var before = await scenario.WaitForAsync(
            rows => rows.Values.Count(FaultScenario.IsTerminal) >= 2,
            TimeSpan.FromSeconds(30),
            "two jobs are done",
            () => worker.Output);
        var unfinished = scenario.JobIds.Count(id => !before.TryGetValue(id, out var row) || !FaultScenario.IsTerminal(row));

        // Act: storage goes away while jobs run. It stays away until a delivery in hand has failed on it (the storage
        // SDK's own retries exhausted), then returns with its data.
        await azurite.StopAsync();
        await WaitForOutputAsync(worker, "Delivery of message", TimeSpan.FromSeconds(30));
        await azurite.StartAsync();
        var after = await scenario.WaitForAsync(
            rows => scenario.JobIds.All(id => rows.TryGetValue(id, out var row) && FaultScenario.IsTerminal(row)),
            TimeSpan.FromSeconds(45),
            "every job is terminal after the restart",
            () => worker.Output);

        // Assert
        Assert.False(worker.HasExited, worker.Output);
        Assert.All(scenario.JobIds, id => Assert.Equal(nameof(JobStatus.Completed), FaultScenario.StatusOf(after[id])));
        await scenario.AssertInvariantsAsync(jobsInFlightAtCrashes: unfinished);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Azurite may still be letting go of its files; the temp folder is cleaned up eventually.
        }
    }

    private static async Task WaitForOutputAsync(WorkerProcess worker, string text, TimeSpan timeout)
    {
        var deadline = TimeProvider.System.GetUtcNow() + timeout;
        while (!worker.Output.Contains(text, StringComparison.Ordinal))
        {
            Assert.True(TimeProvider.System.GetUtcNow() < deadline, $"the worker never reported '{text}':\n{worker.Output}");
            Assert.False(worker.HasExited, $"the worker exited when storage went away:\n{worker.Output}");
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }
}
