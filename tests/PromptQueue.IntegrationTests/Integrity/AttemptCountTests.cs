using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using PromptQueue.Contracts;
using PromptQueue.Core.Budget;
using PromptQueue.Core.Processing;
using PromptQueue.Core.Storage;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Integrity;

/// <summary>
/// A job's <c>attempts</c> is the number of model calls made for it, counted at the simulator, whatever stops the
/// worker and wherever: before a call, during it, while it waits for quota, while it records a failure.
/// </summary>
[Collection(AzuriteTests.Name)]
public sealed class AttemptCountTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Process_StopDuringTheCall_CountsTheCallAndTheNextDeliveryCountsItsOwn()
    {
        // Arrange: the call is slow; the stop comes once the simulator has the request.
        await using var app = await TestApp.StartAsync(azurite);
        var jobId = await app.SubmitAsync("""{"prompt":"slow [[sim:latency-ms=2000]]"}""");
        var message = await app.JobQueue().ReceiveOneAsync();
        using var stop = new CancellationTokenSource();
        var processing = app.Processor.ProcessAsync(new JobDelivery(message.Body.ToString(), message.MessageId), stop.Token);
        await WaitUntilAsync(() => app.Simulator.ChatRequestCount == 1);

        // Act: the released job's own new message brings it back.
        await stop.CancelAsync();
        var released = await processing;
        await app.JobQueue().DeleteMessageAsync(message.MessageId, message.PopReceipt);
        var interrupted = (await app.Store.FindAsync(jobId, CancellationToken.None))!;
        var callsBeforeRerun = app.Simulator.ChatRequestCount;
        var rerun = await app.ProcessNextAsync();

        // Assert
        Assert.Equal(JobOutcome.Deferred, released.Outcome);
        Assert.Equal((JobStatus.Waiting, WaitReason.Released, 1, 1), (interrupted.Status, interrupted.WaitReason, interrupted.Attempts, callsBeforeRerun));
        Assert.Null(interrupted.ClaimedUntil);
        Assert.Equal(JobOutcome.Completed, rerun.Outcome);
        Assert.Equal((2, 2), ((await app.Store.FindAsync(jobId, CancellationToken.None))!.Attempts, app.Simulator.ChatRequestCount));
    }

    [Fact]
    public async Task Process_StopWhileWaitingInlineForAGrantedSlot_CountsNoCall()
    {
        // Arrange: one start a minute, which the first job takes, so the second's slot is a minute away on a clock that
        // waits, within its inline wait.
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var app = await TestApp.StartAsync(
            azurite,
            settings =>
            {
                settings["Budget:RequestsPerMinute"] = "1";
                settings["Budget:MaxInlineWait"] = "00:02:00";
            },
            configureServices: services => services.AddSingleton<TimeProvider>(clock));
        await app.SubmitAsync("""{"prompt":"first"}""");
        Assert.Equal(JobOutcome.Completed, (await app.ProcessNextAsync()).Outcome);
        var second = await app.SubmitAsync("""{"prompt":"second"}""");
        var message = await app.JobQueue().ReceiveOneAsync();
        using var stop = new CancellationTokenSource();
        var processing = app.Processor.ProcessAsync(new JobDelivery(message.Body.ToString(), message.MessageId), stop.Token);
        var budget = app.Get<RequestBudget>();
        await WaitUntilAsync(async () => (await budget.ReadAsync(CancellationToken.None)).DayUsed == 2);

        // Act
        await stop.CancelAsync();
        var released = await processing;

        // Assert
        var record = (await app.Store.FindAsync(second, CancellationToken.None))!;
        Assert.Equal(JobOutcome.Deferred, released.Outcome);
        Assert.Equal((JobStatus.Waiting, WaitReason.Released, 0), (record.Status, record.WaitReason, record.Attempts));
        Assert.Equal(1, app.Simulator.ChatRequestCount);
    }

    [Fact]
    public async Task Process_StopWhileDeferringForQuota_CountsNoCallAndNeverGoesBelowZero()
    {
        // Arrange: today's requests are spent, so the job is deferred; the stop comes as its delayed message is sent.
        using var stop = new CancellationTokenSource();
        var queueStop = new CancelOnRequest(stop, request => request.Method == RequestMethod.Post && request.Uri.Path.EndsWith("/messages", StringComparison.Ordinal));
        await using var app = await TestApp.StartAsync(
            azurite,
            settings => settings["Budget:RequestsPerDay"] = "1",
            configureServices: services => services.AddSingleton(sp => new QueueServiceClient(Connection(sp), WithPolicy(StorageClients.QueueOptions, queueStop))));
        await app.SubmitAsync("""{"prompt":"spends the day's request"}""");
        Assert.Equal(JobOutcome.Completed, (await app.ProcessNextAsync()).Outcome);
        var jobId = await app.SubmitAsync("""{"prompt":"waits for tomorrow"}""");
        var message = await app.JobQueue().ReceiveOneAsync();

        // The first message the delivery sends is its claim's watch; the second is the deferral's.
        queueStop.Arm(skip: 1);

        // Act
        var released = await app.Processor.ProcessAsync(new JobDelivery(message.Body.ToString(), message.MessageId), stop.Token);

        // Assert
        var record = (await app.Store.FindAsync(jobId, CancellationToken.None))!;
        Assert.True(queueStop.Fired, "the stop never came while the job was deferred");
        Assert.Equal(JobOutcome.Deferred, released.Outcome);
        Assert.Equal((JobStatus.Waiting, 0), (record.Status, record.Attempts));
        Assert.Equal(1, app.Simulator.ChatRequestCount);
    }

    [Fact]
    public async Task Process_StopWhileRecordingAParentFailure_ReleasesTheStoredJobNotTheHalfChangedOne()
    {
        // Arrange: the parent failed, so the child fails too; the stop comes as that failure is written.
        using var stop = new CancellationTokenSource();
        // Job rows are written in transactions (POST $batch); armed once the child's message is taken, the first is its claim.
        var tableStop = new CancelOnRequest(stop, request => request.Method == RequestMethod.Post && request.Uri.Path.EndsWith("$batch", StringComparison.Ordinal));
        await using var app = await TestApp.StartAsync(
            azurite,
            configureServices: services => services.AddSingleton(sp => new TableServiceClient(Connection(sp), WithPolicy(new TableClientOptions(), tableStop))));
        await app.SubmitAsync("""{"id":"failed-parent","prompt":"[[sim:status=400]]"}""");
        Assert.Equal(JobOutcome.Failed, (await app.ProcessNextAsync()).Outcome);
        await app.SubmitAsync("""{"id":"child-of-failed","prompt":"go on","parent_job_id":"failed-parent"}""");
        var message = await app.JobQueue().ReceiveOneAsync();
        tableStop.Arm(skip: 1);

        // Act: the first write of the child (its claim) goes through; the second (its failure) meets the stop.
        var released = await app.Processor.ProcessAsync(new JobDelivery(message.Body.ToString(), message.MessageId), stop.Token);

        // Assert
        var child = (await app.Store.FindAsync("child-of-failed", CancellationToken.None))!;
        Assert.True(tableStop.Fired, "the stop never came while the failure was written");
        Assert.Equal(JobOutcome.Deferred, released.Outcome);
        Assert.Equal((JobStatus.Waiting, WaitReason.Released, 0), (child.Status, child.WaitReason, child.Attempts));
        Assert.Null(child.CompletedAt);
        Assert.Null(child.ErrorCode);
    }

    private static string Connection(IServiceProvider services) => services.GetRequiredService<IConfiguration>()["AzureWebJobsStorage"]!;

    private static T WithPolicy<T>(T options, HttpPipelinePolicy policy) where T : ClientOptions
    {
        options.AddPolicy(policy, HttpPipelinePosition.PerCall);
        return options;
    }

    private static async Task WaitUntilAsync(Func<bool> condition) => await WaitUntilAsync(() => Task.FromResult(condition()));

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        while (!await condition())
        {
            Assert.False(deadline.IsCancellationRequested, "the condition never came true");
            await Task.Delay(TimeSpan.FromMilliseconds(20), CancellationToken.None);
        }
    }

    /// <summary>Stops the worker (cancels its token) as a chosen storage request goes out, once, when armed.</summary>
    private sealed class CancelOnRequest(CancellationTokenSource stop, Func<Request, bool> matches) : HttpPipelineSynchronousPolicy
    {
        private int _armed;
        private int _skip;

        public bool Fired { get; private set; }

        public void Arm(int skip = 0)
        {
            _skip = skip;
            Volatile.Write(ref _armed, 1);
        }

        public override void OnSendingRequest(HttpMessage message)
        {
            if (Volatile.Read(ref _armed) == 0 || !matches(message.Request))
            {
                return;
            }

            if (_skip-- > 0)
            {
                return;
            }

            Volatile.Write(ref _armed, 0);
            Fired = true;
            stop.Cancel();
            message.CancellationToken.ThrowIfCancellationRequested();
        }
    }
}
