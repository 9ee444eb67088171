using Microsoft.Extensions.DependencyInjection;
using PromptQueue.Contracts;
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
        record.ClaimedUntil = TimeProvider.System.GetUtcNow() - StrandedJobSweeper.Margin - TimeSpan.FromMinutes(1);
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
        missed.NoticesPendingSince = TimeProvider.System.GetUtcNow() - StrandedJobSweeper.Margin - TimeSpan.FromMinutes(1);
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
