using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using PromptQueue.Contracts;
using PromptQueue.Core;
using PromptQueue.Core.Processing;
using PromptQueue.Functions;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Shutdown;

[Collection(AzuriteTests.Name)]
public sealed class StrandedJobSweeperTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Run_RunningJobWhoseClaimLapsedLongAgoAndWhoseMessageIsGone_IsQueuedAgainAndCompletes()
    {
        // Arrange: a worker claimed the job, then died after its message was deleted.
        await using var app = await TestApp.StartAsync(azurite);
        var jobId = await app.SubmitAsync("""{"prompt":"orphaned"}""");
        var message = await app.JobQueue().ReceiveOneAsync();
        await app.JobQueue().DeleteMessageAsync(message.MessageId, message.PopReceipt);
        var record = await app.Store.FindAsync(jobId, CancellationToken.None);
        record!.Status = JobStatus.Running;
        record.Attempts = 1;
        record.ClaimedUntil = TimeProvider.System.GetUtcNow() - new PromptQueueOptions().StrandedAfter - TimeSpan.FromMinutes(1);
        Assert.True(await app.Store.TryUpdateAsync(record, CancellationToken.None));

        // Act
        var found = await new RecoverStrandedJobs(app.Get<StrandedJobSweeper>()).Run(null!, CancellationToken.None);
        var result = await app.ProcessNextAsync();

        // Assert
        Assert.Equal(1, found);
        Assert.Equal(new JobProcessingResult(jobId, JobOutcome.Completed), result);
        Assert.Equal(2, (await app.Store.FindAsync(jobId, CancellationToken.None))!.Attempts);
    }

    [Fact]
    public async Task SweepAsync_JobsRunningWithinTheirClaimOrFinished_AreLeftAlone()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        var finished = await app.SubmitAsync("""{"prompt":"finished"}""");
        await app.ProcessNextAsync();
        var running = await app.SubmitAsync("""{"prompt":"running"}""");
        var record = await app.Store.FindAsync(running, CancellationToken.None);
        record!.Status = JobStatus.Running;
        record.ClaimedUntil = TimeProvider.System.GetUtcNow().AddMinutes(10);
        Assert.True(await app.Store.TryUpdateAsync(record, CancellationToken.None));
        var messagesBefore = await app.JobQueue().CountAllAsync();

        // Act
        var found = await app.Get<StrandedJobSweeper>().SweepAsync(CancellationToken.None);

        // Assert
        Assert.Equal(0, found);
        Assert.Equal(messagesBefore, await app.JobQueue().CountAllAsync());
        var done = (await app.Store.FindAsync(finished, CancellationToken.None))!;
        Assert.Equal((JobStatus.Completed, null), (done.Status, done.NoticesPendingSince));
    }

    [Fact]
    public async Task SweepAsync_FinishedJobAnObserverMissed_IsPublishedAgainUntilEveryObserverHasIt()
    {
        // Arrange: an observer (a batch count, a notice) fails once, as when storage hiccups after the terminal write.
        var flaky = new FailsOnceObserver();
        await using var app = await TestApp.StartAsync(azurite, configureServices: services => services.AddSingleton<IJobTerminalObserver>(flaky));
        var jobId = await app.SubmitAsync("""{"prompt":"finished, but not everyone heard"}""");
        await app.ProcessNextAsync();
        var missed = (await app.Store.FindAsync(jobId, CancellationToken.None))!;
        Assert.NotNull(missed.NoticesPendingSince);
        var sweeper = app.Get<StrandedJobSweeper>();
        var tooSoon = await sweeper.SweepAsync(CancellationToken.None);
        missed.NoticesPendingSince = TimeProvider.System.GetUtcNow() - new PromptQueueOptions().StrandedAfter - TimeSpan.FromMinutes(1);
        Assert.True(await app.Store.TryUpdateAsync(missed, CancellationToken.None));

        // Act
        var republished = await sweeper.SweepAsync(CancellationToken.None);
        var again = await sweeper.SweepAsync(CancellationToken.None);

        // Assert
        Assert.Equal((0, 1, 0), (tooSoon, republished, again));
        Assert.Equal([(jobId, JobStatus.Completed), (jobId, JobStatus.Completed)], flaky.Seen);
        var record = (await app.Store.FindAsync(jobId, CancellationToken.None))!;
        Assert.Equal((JobStatus.Completed, null), (record.Status, record.NoticesPendingSince));
    }

    [Fact]
    public async Task SweepAsync_QueuedJobWhoseSubmitterStoppedBeforeItsMessage_IsSentOneAfterTheMarginAndCompletes()
    {
        // Arrange: the submitter stored the job and stopped before enqueueing it (an HTTP submit, a batch release).
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var app = await TestApp.StartAsync(azurite, configureServices: services => services.AddSingleton<TimeProvider>(clock));
        var record = app.Get<JobLifecycle>().Queued("left-queued", new PromptJob { Prompt = "was never enqueued" }, """{"prompt":"was never enqueued"}""", JobSources.Http);
        Assert.True(await app.Store.TryCreateAsync(record, JobLifecycle.RequestText("""{"prompt":"was never enqueued"}"""), CancellationToken.None));
        var sweeper = app.Get<StrandedJobSweeper>();
        var tooSoon = await sweeper.SweepAsync(CancellationToken.None);
        var messagesTooSoon = await app.JobQueue().CountAllAsync();
        clock.Advance(new PromptQueueOptions().StrandedAfter + TimeSpan.FromSeconds(1));

        // Act
        var found = await sweeper.SweepAsync(CancellationToken.None);
        var result = await app.ProcessNextAsync();
        var again = await sweeper.SweepAsync(CancellationToken.None);

        // Assert
        Assert.Equal((0, 0, 1, 0), (tooSoon, messagesTooSoon, found, again));
        Assert.Equal(new JobProcessingResult("left-queued", JobOutcome.Completed), result);
        Assert.Empty(await app.Store.Unfinished.ListAsync(messageBody: null, CancellationToken.None).ToListAsync());
    }

    [Fact]
    public async Task SweepAsync_QueuedJobsWhoseMessagesWereSent_AreNotSentAgainHoweverLongTheyWait()
    {
        // Arrange: a backlog held back by the budget stays Queued for hours, each job with its message on the queue.
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var app = await TestApp.StartAsync(azurite, configureServices: services => services.AddSingleton<TimeProvider>(clock));
        await app.SubmitAsync("""{"prompt":"waits its turn"}""");
        clock.Advance(TimeSpan.FromHours(6));

        // Act
        var found = await app.Get<StrandedJobSweeper>().SweepAsync(CancellationToken.None);

        // Assert
        Assert.Equal(0, found);
        Assert.Equal(1, await app.JobQueue().CountAllAsync());
    }

    [Fact]
    public async Task SweepAsync_ManyFinishedJobs_ReadsOnlyTheIndexAndTheUnfinishedJobs()
    {
        // Arrange: 40 finished jobs and one unfinished; every table request the sweep makes is recorded.
        var requests = new RequestRecorder();
        await using var app = await TestApp.StartAsync(azurite, configureServices: services => services.AddSingleton(sp => new Azure.Data.Tables.TableServiceClient(
            sp.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>()["AzureWebJobsStorage"], RecordingOptions(requests))));
        for (var i = 0; i < 40; i++)
        {
            // A paid model is not metered by the free budget, so the forty run at once.
            await app.SubmitAsync($$"""{"id":"done-{{i}}","prompt":"finished {{i}}","model":"openai/gpt-oss-120b"}""");
        }

        while ((await app.ProcessVisibleAsync()).Count > 0)
        {
        }

        var unfinished = await app.SubmitAsync("""{"id":"still-queued","prompt":"not yet"}""");
        var sweeper = app.Get<StrandedJobSweeper>();
        await sweeper.SweepAsync(CancellationToken.None);
        requests.Clear();

        // Act: the first sweep of a table builds the index once; every later one reads the index alone.
        await sweeper.SweepAsync(CancellationToken.None);

        // Assert
        var seen = requests.Snapshot();
        Assert.All(seen.Where(r => r.Contains("$filter", StringComparison.Ordinal)), r => Assert.Contains("PartitionKey%20eq%20%27~unfinished%27", r, StringComparison.Ordinal));
        Assert.Single(seen, r => r.Contains($"PartitionKey='{unfinished}'", StringComparison.Ordinal));
        Assert.True(!seen.Any(r => r.Contains("done-", StringComparison.Ordinal)), string.Join("\n", seen));
    }

    [Fact]
    public async Task SweepAsync_UnfinishedJobStoredBeforeTheIndexExisted_IsFoundByTheFirstSweep()
    {
        // Arrange: a job Running with a long-lapsed claim, written as releases before the index stored it.
        await using var app = await TestApp.StartAsync(azurite);
        await app.JobTable.AddEntityAsync(new Azure.Data.Tables.TableEntity("legacy-running", PromptQueue.Core.Storage.JobRecord.RowKeyValue)
        {
            ["Status"] = "Running",
            ["ClaimedUntil"] = TimeProvider.System.GetUtcNow() - TimeSpan.FromHours(1),
            ["RequestChunks"] = 0,
        });

        // Act
        var found = await app.Get<StrandedJobSweeper>().SweepAsync(CancellationToken.None);

        // Assert
        Assert.Equal(1, found);
        Assert.Equal(1, await app.JobQueue().CountAllAsync());
    }

    private static Azure.Data.Tables.TableClientOptions RecordingOptions(RequestRecorder recorder)
    {
        var options = new Azure.Data.Tables.TableClientOptions();
        options.AddPolicy(recorder, Azure.Core.HttpPipelinePosition.PerCall);
        return options;
    }

    /// <summary>Records the method and URL of every table request.</summary>
    private sealed class RequestRecorder : Azure.Core.Pipeline.HttpPipelineSynchronousPolicy
    {
        private readonly List<string> _requests = [];

        public override void OnSendingRequest(Azure.Core.HttpMessage message)
        {
            lock (_requests)
            {
                _requests.Add($"{message.Request.Method} {message.Request.Uri}");
            }
        }

        public void Clear()
        {
            lock (_requests)
            {
                _requests.Clear();
            }
        }

        public List<string> Snapshot()
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    private sealed class FailsOnceObserver : IJobTerminalObserver
    {
        public List<(string JobId, JobStatus Status)> Seen { get; } = [];

        public Task OnTerminalAsync(PromptQueue.Core.Storage.JobRecord record, CancellationToken cancellationToken)
        {
            Seen.Add((record.JobId, record.Status));
            return Seen.Count == 1 ? throw new InvalidOperationException("storage hiccup") : Task.CompletedTask;
        }
    }
}
