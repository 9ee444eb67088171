using System.Globalization;
using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;
using PromptQueue.Http.Api;
using PromptQueue.Core.Batches;
using PromptQueue.Core.Usage;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Batches;

[Collection(AzuriteTests.Name)]
public sealed class BatchControlTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task CancelAsync_PartlyReleasedBatch_WithholdsPendingItemsAndLetsReleasedOnesFinish()
    {
        // Arrange: 22 of 50 items released.
        await using var app = await TestApp.StartAsync(azurite, settings => settings["Budget:RequestsPerDay"] = "1000");
        var batchId = await app.SubmitBatchAsync(BatchTestKit.Jsonl(50));
        var api = app.Get<BatchApi>();
        await app.Get<BatchDispatcher>().DispatchAsync(CancellationToken.None);

        // Act
        var cancel = await api.CancelAsync(batchId, CancellationToken.None);
        var afterCancel = await app.Get<BatchDispatcher>().DispatchAsync(CancellationToken.None);
        foreach (var line in (await app.ResultsAsync(batchId)).Where(l => l.Status is not null))
        {
            await app.FinishAsync(line.JobId, JobStatus.Completed);
        }

        var again = await api.CancelAsync(batchId, CancellationToken.None);
        var view = await app.ViewAsync(batchId);
        var lines = await app.ResultsAsync(batchId);

        // Assert
        Assert.Equal(200, cancel.StatusCode);
        Assert.Equal((BatchStatus.Cancelled, 0), (Assert.IsType<BatchView>(cancel.Body).Status, Assert.IsType<BatchView>(cancel.Body).Pending));
        Assert.Equal(0, afterCancel.Released);
        Assert.Equal(200, again.StatusCode);
        Assert.Equal((BatchStatus.Cancelled, 22, 1.0), (view.Status, view.Counts[JobStatus.Completed], view.Progress));
        Assert.NotNull(view.CompletedAt);
        Assert.Equal(22, lines.Count(l => l.Status == JobStatus.Completed));
        Assert.Equal(28, lines.Count(l => l.Status is null));
        Assert.Equal(22, (await app.QueuedJobIdsAsync()).Count);
    }

    [Fact]
    public async Task Routes_UnknownMalformedOrFinishedBatch_AnswerWithProblems()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        var api = app.Get<BatchApi>();
        var batchId = await app.SubmitBatchAsync(BatchTestKit.Jsonl(1));
        await app.Get<BatchDispatcher>().DispatchAsync(CancellationToken.None);
        await app.FinishAsync((await app.ResultsAsync(batchId))[0].JobId, JobStatus.Completed);

        // Act
        var malformed = await api.GetAsync("not-a-batch", CancellationToken.None);
        var unknown = await api.ResultsAsync("batch-0000000000aaaaaaaaaaaaaaaa", false, CancellationToken.None);
        var finished = await api.CancelAsync(batchId, CancellationToken.None);

        // Assert
        Assert.Equal([400, 404, 409], new[] { malformed.StatusCode, unknown.StatusCode, finished.StatusCode });
        Assert.All(new[] { malformed, unknown, finished }, r => Assert.Equal(ApiProblem.ContentType, r.ContentType));
        Assert.Equal(BatchStatus.Completed, (await app.ViewAsync(batchId)).Status);
    }

    [Fact]
    public async Task RetryFailedAsync_FailedAndDeadLetteredItems_RunAgainAndAreCountedAfresh()
    {
        // Arrange: one item completed, one failed, one dead-lettered.
        await using var app = await TestApp.StartAsync(azurite);
        var batchId = await app.SubmitBatchAsync(BatchTestKit.Jsonl(3));
        await app.Get<BatchDispatcher>().DispatchAsync(CancellationToken.None);
        var jobs = (await app.ResultsAsync(batchId)).Select(l => l.JobId).ToList();
        await app.FinishAsync(jobs[0], JobStatus.Completed);
        await app.FinishAsync(jobs[1], JobStatus.Failed);
        await app.FinishAsync(jobs[2], JobStatus.DeadLettered);
        var before = await app.ViewAsync(batchId);
        await app.QueuedJobIdsAsync();

        // Act
        var retry = await app.Get<BatchApi>().RetryFailedAsync(batchId, CancellationToken.None);
        var during = await app.ViewAsync(batchId);
        var requeued = await app.QueuedJobIdsAsync();
        await app.FinishAsync(jobs[1], JobStatus.Completed);
        await app.FinishAsync(jobs[2], JobStatus.Completed);
        var after = await app.ViewAsync(batchId);

        // Assert
        Assert.Equal((BatchStatus.Completed, 1, 1, 1), (before.Status, before.Counts[JobStatus.Completed], before.Counts[JobStatus.Failed], before.Counts[JobStatus.DeadLettered]));
        Assert.Equal((202, "2"), (retry.StatusCode, retry.Headers["X-Retried"]));
        Assert.Equal((BatchStatus.Running, 2), (during.Status, during.Counts[JobStatus.Queued]));
        Assert.False(during.Counts.ContainsKey(JobStatus.Failed));
        Assert.Equal(jobs[1..].Order(StringComparer.Ordinal), requeued.Order(StringComparer.Ordinal));
        var record = (await app.Store.FindAsync(jobs[1], CancellationToken.None))!;
        Assert.Equal(0, record.Attempts);
        Assert.Equal((BatchStatus.Completed, 3, 30L), (after.Status, after.Counts[JobStatus.Completed], after.Usage.TotalTokens));
    }

    [Fact]
    public async Task RetryJob_ABatchItemRetriedOnItsOwn_LeavesItsFailedCountAndReopensTheBatch()
    {
        // Arrange: a finished batch with one failed item, retried through the job's own route, not the batch's.
        await using var app = await TestApp.StartAsync(azurite);
        var batchId = await app.SubmitBatchAsync(BatchTestKit.Jsonl(2));
        await app.Get<BatchDispatcher>().DispatchAsync(CancellationToken.None);
        var jobs = (await app.ResultsAsync(batchId)).Select(l => l.JobId).ToList();
        await app.FinishAsync(jobs[0], JobStatus.Completed);
        await app.FinishAsync(jobs[1], JobStatus.Failed);
        var before = await app.ViewAsync(batchId);

        // Act
        var retry = await app.Get<JobApi>().RetryAsync(jobs[1], CancellationToken.None);
        var during = await app.ViewAsync(batchId);
        await app.FinishAsync(jobs[1], JobStatus.Completed);
        var after = await app.ViewAsync(batchId);

        // Assert: the batch waits for the job again, exactly as after retry-failed, and counts it once when it ends.
        Assert.Equal((BatchStatus.Completed, 1), (before.Status, before.Counts[JobStatus.Failed]));
        Assert.Equal(202, retry.StatusCode);
        Assert.Equal((BatchStatus.Running, 1, 1), (during.Status, during.Counts[JobStatus.Completed], during.Counts[JobStatus.Queued]));
        Assert.False(during.Counts.ContainsKey(JobStatus.Failed));
        Assert.Equal((BatchStatus.Completed, 2), (after.Status, after.Counts[JobStatus.Completed]));
        Assert.False(after.Counts.ContainsKey(JobStatus.Failed));
    }

    [Fact]
    public async Task RetryFailed_StoppedAfterTheRequeueBeforeTheCountWasRemoved_ItemIsCountedWhenItsJobFinishes()
    {
        // Arrange: a retry-failed that stopped half-way: the job is Queued again, its item still counted Failed.
        await using var app = await TestApp.StartAsync(azurite);
        var batchId = await app.SubmitBatchAsync(BatchTestKit.Jsonl(2));
        await app.Get<BatchDispatcher>().DispatchAsync(CancellationToken.None);
        var jobs = (await app.ResultsAsync(batchId)).Select(l => l.JobId).ToList();
        await app.FinishAsync(jobs[0], JobStatus.Completed);
        await app.FinishAsync(jobs[1], JobStatus.Failed);
        var failed = (await app.Store.FindAsync(jobs[1], CancellationToken.None))!;
        app.Get<PromptQueue.Core.Processing.JobLifecycle>().MarkRetried(failed);
        Assert.True(await app.Store.TryUpdateAsync(failed, CancellationToken.None));

        // Act
        await app.FinishAsync(jobs[1], JobStatus.Completed);
        var after = await app.ViewAsync(batchId);
        var retryAgain = await app.Get<BatchApi>().RetryFailedAsync(batchId, CancellationToken.None);

        // Assert: the item moved from Failed to Completed; nothing is left to retry or waiting in flight.
        Assert.Equal((BatchStatus.Completed, 2, 1.0), (after.Status, after.Counts[JobStatus.Completed], after.Progress));
        Assert.False(after.Counts.ContainsKey(JobStatus.Failed));
        Assert.Equal("0", retryAgain.Headers["X-Retried"]);
    }

    [Fact]
    public async Task Progress_StaleNoticeOfARetriedJob_CountsNothing()
    {
        // Arrange: the job failed, was counted, and runs again; its old Failed notice is published late (by the sweep).
        await using var app = await TestApp.StartAsync(azurite);
        var batchId = await app.SubmitBatchAsync(BatchTestKit.Jsonl(1));
        await app.Get<BatchDispatcher>().DispatchAsync(CancellationToken.None);
        var jobId = (await app.ResultsAsync(batchId))[0].JobId;
        await app.FinishAsync(jobId, JobStatus.Failed);
        var stale = (await app.Store.FindAsync(jobId, CancellationToken.None))!;
        await app.Get<BatchApi>().RetryFailedAsync(batchId, CancellationToken.None);
        await app.FinishAsync(jobId, JobStatus.Completed);

        // Act
        await app.Get<BatchProgress>().OnTerminalAsync(stale, CancellationToken.None);
        var view = await app.ViewAsync(batchId);

        // Assert
        Assert.Equal((BatchStatus.Completed, 1), (view.Status, view.Counts[JobStatus.Completed]));
        Assert.False(view.Counts.ContainsKey(JobStatus.Failed));
    }

    [Fact]
    public async Task Observers_SameTerminalNoticeTwice_CountOnceInBatchAndDay()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        var batchId = await app.SubmitBatchAsync(BatchTestKit.Jsonl(2));
        await app.Get<BatchDispatcher>().DispatchAsync(CancellationToken.None);
        var jobId = (await app.ResultsAsync(batchId))[0].JobId;
        var api = app.Get<BatchApi>();
        var today = TimeProvider.System.GetUtcNow().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        // Act
        await app.FinishAsync(jobId, JobStatus.Completed, totalTokens: 40);
        var record = (await app.Store.FindAsync(jobId, CancellationToken.None))!;
        await app.Get<Core.Processing.JobTerminalNotices>().PublishAsync(record);
        var view = await app.ViewAsync(batchId);
        var usage = await app.Get<UsageApi>().DailyUsageAsync(null, CancellationToken.None);
        var badDay = await app.Get<UsageApi>().DailyUsageAsync("yesterday", CancellationToken.None);

        // Assert
        Assert.Equal((1, 40L, 0.001), (view.Counts[JobStatus.Completed], view.Usage.TotalTokens, view.Usage.Cost));
        Assert.Equal(new DayUsage(today, 1, new BatchUsage(20, 20, 40, 0.001)), usage.Body);
        Assert.Equal(400, badDay.StatusCode);
    }
}
