using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PromptQueue.Contracts;
using PromptQueue.Core;
using PromptQueue.Core.Processing;
using PromptQueue.Core.Storage;
using PromptQueue.Functions;
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
    public async Task RunAsync_StoppedWhileAJobRunsWithinTheGrace_FinishesTheJob()
    {
        // Arrange: a one-second model call, and ten seconds of grace.
        await using var app = await TestApp.StartAsync(azurite);
        var jobId = await app.SubmitAsync("""{"prompt":"slow but steady [[sim:latency-ms=1000]]"}""");
        var listener = Listener(app, TimeSpan.FromSeconds(10));
        using var stop = new CancellationTokenSource();
        var running = listener.RunAsync(stop.Token);
        await WaitForStatusAsync(app, jobId, JobStatus.Running);

        // Act
        await stop.CancelAsync();
        await running;

        // Assert
        var record = await app.Store.FindAsync(jobId, CancellationToken.None);
        Assert.Equal(JobStatus.Completed, record!.Status);
        Assert.Equal(0, await app.JobQueue().CountAllAsync());
    }

    [Fact]
    public async Task RunAsync_StoppedWhileAJobHangsPastTheGrace_ReleasesIt()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        var jobId = await app.SubmitAsync("""{"prompt":"hangs [[sim:hang]]"}""");
        var listener = Listener(app, TimeSpan.FromMilliseconds(200));
        using var stop = new CancellationTokenSource();
        var running = listener.RunAsync(stop.Token);
        await WaitForStatusAsync(app, jobId, JobStatus.Running);

        // Act
        await stop.CancelAsync();
        await running;

        // Assert: nothing is left Running, and exactly one message will bring the job back.
        var record = await app.Store.FindAsync(jobId, CancellationToken.None);
        Assert.Equal((JobStatus.Waiting, WaitReason.Released), (record!.Status, record.WaitReason));
        Assert.Equal(1, await app.JobQueue().CountAllAsync());
    }

    private static JobQueueListener Listener(TestApp app, TimeSpan grace) => new(
        app.Get<Azure.Storage.Queues.QueueServiceClient>(),
        app.Get<JobQueueClient>(),
        app.Processor,
        app.Get<StrandedJobSweeper>(),
        Options.Create(new QueueListenerOptions { ShutdownGrace = grace, MaxPollingInterval = TimeSpan.FromMilliseconds(100) }),
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
