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
        await scenario.SubmitAsync("outage", Enumerable.Repeat("a moment of thought [[sim:latency-ms=200]]", 10));
        using var worker = WorkerProcess.Start(scenario.WorkerEnvironment(ClaimDuration));
        var before = await scenario.WaitForAsync(
            rows => rows.Values.Count(FaultScenario.IsTerminal) >= 2,
            TimeSpan.FromSeconds(30),
            "two jobs are done",
            () => worker.Output);
        var unfinished = scenario.JobIds.Count(id => !before.TryGetValue(id, out var row) || !FaultScenario.IsTerminal(row));

        // Act: answers are held until calls are certainly in flight; storage goes away, then the answers arrive, so
        // the worker meets the outage with answers in hand. Storage returns once the worker has reported failing on it.
        simulator.HoldResponses();
        await WaitUntilAsync(() => simulator.InFlightCount >= 1, "a call is in flight", worker);
        await azurite.StopAsync();
        simulator.ReleaseResponses();
        await WaitUntilAsync(
            () => worker.Output.Contains("storing its outcome failed", StringComparison.Ordinal) || worker.Output.Contains("Delivery of message", StringComparison.Ordinal),
            "the worker reported a storage failure",
            worker);
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

    private static async Task WaitUntilAsync(Func<bool> condition, string what, WorkerProcess worker)
    {
        var deadline = TimeProvider.System.GetUtcNow() + TimeSpan.FromSeconds(60);
        while (!condition())
        {
            Assert.True(TimeProvider.System.GetUtcNow() < deadline, $"never came true: {what}\n{worker.Output}");
            Assert.False(worker.HasExited, $"the worker exited when storage went away:\n{worker.Output}");
            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
    }
}
