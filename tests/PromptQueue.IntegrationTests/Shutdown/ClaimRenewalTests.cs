using PromptQueue.Contracts;
using PromptQueue.Core.Storage;
using PromptQueue.Core.Submission;
using PromptQueue.Core.Processing;
using PromptQueue.IntegrationTests.Infrastructure;
using PromptQueue.IntegrationTests.Pacing;
using PromptQueue.Simulator;

namespace PromptQueue.IntegrationTests.Shutdown;

/// <summary>A short claim renewed while the model call runs: a live worker is never overtaken, however long the call.</summary>
[Collection(AzuriteTests.Name)]
public sealed class ClaimRenewalTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task TwoHosts_CallLastingSeveralClaims_RunsOnceUnderOneRenewedClaim()
    {
        // Arrange: a 4 s claim renewed every 2 s, and a call of 12 s: three claims long. The other host takes every
        // message it sees, and would take the job over the moment its claim lapsed.
        await using var simulator = await OpenRouterSimulator.StartAsync(new SimulatorOptions());
        var suffix = Guid.NewGuid().ToString("N")[..12];
        var settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["PromptQueue:JobQueue"] = "renew-" + suffix,
            ["PromptQueue:JobTable"] = "Renew" + suffix,
            ["Budget:Table"] = "RenewBudget" + suffix,
            ["PromptQueue:ClaimDuration"] = "00:00:04",
            ["PromptQueue:Listener:MaxPollingInterval"] = "00:00:00.200",
            ["OpenRouter:BaseUrl"] = simulator.BaseUrl.ToString(),
        };
        await using var first = await PacingHost.CreateAsync(settings);
        await using var second = await PacingHost.CreateAsync(settings);
        var submission = await first.Get<JobSubmitter>().SubmitAsync("""{"prompt":"think long [[sim:latency-ms=12000]]"}""", JobSources.Http, CancellationToken.None);
        var store = first.Get<JobStore>();

        // Act
        await first.StartAsync();
        await second.StartAsync();
        var record = await WaitForTerminalAsync(store, submission.JobId!);
        await first.StopAsync();
        await second.StopAsync();

        // Assert
        Assert.Equal((JobStatus.Completed, 1), (record.Status, record.Attempts));
        Assert.Equal(1, simulator.ChatRequestCount);
        Assert.Equal(0, first.Events.Deferred + second.Events.Deferred);
    }

    private static async Task<JobRecord> WaitForTerminalAsync(JobStore store, string jobId)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            if (await store.FindAsync(jobId, CancellationToken.None) is { } record && record.Status.IsTerminal())
            {
                return record;
            }

            Assert.False(deadline.IsCancellationRequested, $"job {jobId} did not finish in time");
            await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None);
        }
    }
}
