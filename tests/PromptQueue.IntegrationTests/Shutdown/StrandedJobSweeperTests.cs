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
        Assert.Equal(JobStatus.Completed, (await app.Store.FindAsync(finished, CancellationToken.None))!.Status);
    }
}
