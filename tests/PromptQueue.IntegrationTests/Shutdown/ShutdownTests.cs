using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PromptQueue.Http;
using PromptQueue.Contracts;
using PromptQueue.Core;
using PromptQueue.Core.Processing;
using PromptQueue.Core.Storage;
using PromptQueue.Functions;
using PromptQueue.Hosting.Worker;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Shutdown;

/// <summary>A host that stops mid-call hands its jobs back at once, instead of leaving them Running until the claim lapses.</summary>
[Collection(AzuriteTests.Name)]
public sealed class ShutdownTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Run_HostCancelsDuringTheModelCall_ReleasesTheJobCountingTheInterruptedCall()
    {
        // Arrange: the provider hangs, and the Functions host cancels the invocation as it shuts down.
        await using var app = await TestApp.StartAsync(azurite);
        var jobId = await app.SubmitAsync("""{"prompt":"never answered [[sim:hang]]"}""");
        var message = await app.JobQueue().ReceiveOneAsync();
        using var shutdown = new CancellationTokenSource();
        var running = new ProcessJob(app.Processor).Run(message, shutdown.Token);
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            while (app.Simulator.ChatRequestCount == 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), deadline.Token);
            }
        }

        // Act: the host stops once the call is certainly under way.
        await shutdown.CancelAsync();
        var result = await running;

        // Assert: Waiting and due now, the call it made counted, no failure, no claim held, and a fresh message to pick it up.
        Assert.Equal(JobOutcome.Deferred, result.Outcome);
        var record = await app.Store.FindAsync(jobId, CancellationToken.None);
        Assert.Equal((JobStatus.Waiting, WaitReason.Released, 1, 0), (record!.Status, record.WaitReason, record.Attempts, record.FailedCalls));
        Assert.Equal(1, app.Simulator.ChatRequestCount);
        Assert.Null(record.ClaimedUntil);
        Assert.True(record.NextAttemptAt <= TimeProvider.System.GetUtcNow());
        await app.JobQueue().DeleteMessageAsync(message.MessageId, message.PopReceipt);
        Assert.Equal(1, await app.JobQueue().CountAllAsync());
    }

    [Fact]
    public async Task StopAsync_WhileAJobRunsWithinTheGrace_FinishesTheJob()
    {
        // Arrange: a one-second model call, and ten seconds of grace (the host's shutdown timeout).
        await using var app = await TestApp.StartAsync(azurite);
        var jobId = await app.SubmitAsync("""{"prompt":"slow but steady [[sim:latency-ms=1000]]"}""");
        using var listener = Listener(app);
        await listener.StartAsync(CancellationToken.None);
        await WaitForStatusAsync(app, jobId, JobStatus.Running);

        // Act
        using (var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            await listener.StopAsync(grace.Token);
        }

        await listener.ExecuteTask!;

        // Assert
        var record = await app.Store.FindAsync(jobId, CancellationToken.None);
        Assert.Equal(JobStatus.Completed, record!.Status);
        Assert.Equal(0, await app.JobQueue().CountAllAsync());
    }

    [Fact]
    public async Task StopAsync_WhileAJobHangsPastTheGrace_ReleasesIt()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        var jobId = await app.SubmitAsync("""{"prompt":"hangs [[sim:hang]]"}""");
        using var listener = Listener(app);
        await listener.StartAsync(CancellationToken.None);
        await WaitForStatusAsync(app, jobId, JobStatus.Running);

        // Act
        using (var grace = new CancellationTokenSource(TimeSpan.FromMilliseconds(200)))
        {
            await listener.StopAsync(grace.Token);
        }

        await listener.ExecuteTask!;

        // Assert: nothing is left Running, and exactly one message will bring the job back.
        var record = await app.Store.FindAsync(jobId, CancellationToken.None);
        Assert.Equal((JobStatus.Waiting, WaitReason.Released), (record!.Status, record.WaitReason));
        Assert.Equal(1, await app.JobQueue().CountAllAsync());
    }

    [Fact]
    public async Task HostStop_JobHangsPastTheShutdownTimeout_ReleasesIt()
    {
        // Arrange: the standalone worker in a generic host, as promptq runs it, its shutdown timeout set by the
        // documented setting name.
        await using var app = await TestApp.StartAsync(azurite);
        var jobId = await app.SubmitAsync("""{"prompt":"hangs [[sim:hang]]"}""");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddConfiguration(app.Configuration);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["PromptQueue:Listener:ShutdownGrace"] = "00:00:00.200",
            ["PromptQueue:Listener:MaxPollingInterval"] = "00:00:00.100",
        });
        builder.Services.AddPromptQueueCore(builder.Configuration).AddPromptQueueHttpApi();
        builder.Services.AddPromptQueueStandaloneWorker();
        using var host = builder.Build();
        await host.StartAsync();
        await WaitForStatusAsync(app, jobId, JobStatus.Running);

        // Act
        await host.StopAsync();

        // Assert: the host's own timeout was the grace, and the job went back to the queue when it ran out.
        Assert.Equal(TimeSpan.FromMilliseconds(200), host.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);
        var record = await app.Store.FindAsync(jobId, CancellationToken.None);
        Assert.Equal((JobStatus.Waiting, WaitReason.Released), (record!.Status, record.WaitReason));
        Assert.Equal(1, await app.JobQueue().CountAllAsync());
    }

    private static JobQueueListener Listener(TestApp app) => new(
        app.Get<Azure.Storage.Queues.QueueServiceClient>(),
        app.Get<JobQueueClient>(),
        app.Processor,
        app.Get<PromptQueue.Core.Budget.RequestBudget>(),
        app.Get<IOptions<PromptQueue.Core.OpenRouter.OpenRouterOptions>>(),
        Options.Create(new QueueListenerOptions { MaxPollingInterval = TimeSpan.FromMilliseconds(100) }),
        app.Get<IOptions<PromptQueueOptions>>(),
        TimeProvider.System,
        NullLogger<JobQueueListener>.Instance);

    private static async Task WaitForStatusAsync(TestApp app, string jobId, JobStatus wanted)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while ((await app.Store.FindAsync(jobId, deadline.Token))?.Status != wanted)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), deadline.Token);
        }
    }
}
