using PromptQueue.Contracts;
using PromptQueue.IntegrationTests.Infrastructure;
using PromptQueue.Simulator;

namespace PromptQueue.IntegrationTests.Faults;

/// <summary>A worker process killed with kill -9 in the middle of model calls: another worker finishes every job exactly once.</summary>
[Collection(AzuriteTests.Name)]
public sealed class WorkerCrashTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan ClaimDuration = TimeSpan.FromSeconds(6);

    [Fact]
    public async Task Work_KilledWhileJobsRun_NextWorkerCompletesEachJobOnceWithBoundedCalls()
    {
        // Arrange: six calls for a worker that takes four at a time; the simulator holds every answer, so the calls
        // the first worker makes are certainly in flight when it dies.
        await using var simulator = await OpenRouterSimulator.StartAsync(new SimulatorOptions());
        var scenario = new FaultScenario(azurite.ConnectionString, simulator);
        await scenario.SubmitAsync("crash", Enumerable.Repeat("take your time [[sim:latency-ms=200]]", 6));
        var environment = scenario.WorkerEnvironment(ClaimDuration);
        simulator.HoldResponses();
        using var first = WorkerProcess.Start(environment);
        WorkerProcess? second = null;
        try
        {
            await scenario.WaitForAsync(_ => simulator.InFlightCount >= 1, TimeSpan.FromSeconds(30), "a call is in flight", () => first.Output);

            // Act: kill -9 mid-call, then read what it left behind (nothing changes it any more).
            await first.KillAsync();
            simulator.ReleaseResponses();
            var atCrash = await scenario.ReadJobsAsync() ?? [];
            var inFlight = atCrash.Where(r => FaultScenario.StatusOf(r.Value) == nameof(JobStatus.Running)).Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
            second = WorkerProcess.Start(environment);
            await scenario.WaitForAsync(
                rows => scenario.JobIds.All(id => rows.TryGetValue(id, out var row) && FaultScenario.IsTerminal(row)),
                TimeSpan.FromSeconds(40),
                "every job is terminal",
                () => second.Output);

            // Assert
            Assert.NotEmpty(inFlight);
            Assert.False(second.HasExited, second.Output);
            var rows = await scenario.ReadJobsAsync() ?? [];
            Assert.All(scenario.JobIds, id => Assert.Equal(nameof(JobStatus.Completed), FaultScenario.StatusOf(rows[id])));
            Assert.All(scenario.JobIds, id => Assert.InRange(scenario.CallsFor(id), 1, inFlight.Contains(id) ? 2 : 1));
            await scenario.AssertInvariantsAsync(jobsInFlightAtCrashes: inFlight.Count);
        }
        finally
        {
            second?.Dispose();
        }
    }
}
