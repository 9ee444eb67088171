using PromptQueue.Contracts;
using PromptQueue.Core.Batches;
using PromptQueue.Core.Processing;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Batches;

[Collection(AzuriteTests.Name)]
public sealed class BatchExportTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task ResultsAsync_MoreItemsThanSeveralPages_AreInInputOrderWithCustomIdsAndStatuses()
    {
        // Arrange: 1,050 items (eleven pages), all released; every seventh finished.
        await using var app = await TestApp.StartAsync(azurite, settings =>
        {
            settings["Budget:RequestsPerMinute"] = "10000";
            settings["Budget:RequestsPerDay"] = "1000000";
        });
        var batchId = await app.SubmitBatchAsync(BatchTestKit.Jsonl(1050));
        Assert.Equal(1050, (await app.Get<BatchDispatcher>().DispatchAsync(CancellationToken.None)).Released);
        var released = await app.ResultsAsync(batchId);
        foreach (var line in released.Where(l => l.Index % 7 == 0))
        {
            await app.FinishAsync(line.JobId, JobStatus.Completed);
        }

        // Act
        var lines = await app.ResultsAsync(batchId);

        // Assert
        Assert.Equal(Enumerable.Range(0, 1050), lines.Select(l => l.Index));
        Assert.Equal(Enumerable.Range(0, 1050).Select(i => $"item-{i}"), lines.Select(l => l.CustomId));
        Assert.Equal(released.Select(l => l.JobId), lines.Select(l => l.JobId));
        Assert.All(lines, l => Assert.Equal(l.Index % 7 == 0 ? JobStatus.Completed : JobStatus.Queued, l.Status));
        Assert.All(lines.Where(l => l.Status == JobStatus.Completed), l => Assert.Equal(10, l.Usage!.TotalTokens));
    }

    [Fact]
    public async Task ResultsAsync_ProcessedJobs_CarryAnswersAndReasoningOnlyWhenAsked()
    {
        // Arrange: two items answered by the simulator.
        await using var app = await TestApp.StartAsync(azurite, settings => settings["Budget:RequestsPerMinute"] = "1200");
        var batchId = await app.SubmitBatchAsync("""
            {"custom_id":"q1","prompt":"Why is the sky blue?","reasoning":{"effort":"low"}}
            {"custom_id":"q2","prompt":"Name a prime."}
            """);
        await app.Get<BatchDispatcher>().DispatchAsync(CancellationToken.None);
        foreach (var message in (await app.JobQueue().ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value)
        {
            Assert.Equal(JobOutcome.Completed, (await app.Processor.ProcessAsync(new JobDelivery(message.MessageText, message.MessageId), CancellationToken.None)).Outcome);
        }

        // Act
        var plain = await app.ResultsAsync(batchId);
        var withReasoning = await app.ResultsAsync(batchId, reasoning: true);
        var view = await app.ViewAsync(batchId);

        // Assert
        Assert.All(plain, l => Assert.Equal(JobStatus.Completed, l.Status));
        Assert.All(plain, l => Assert.False(string.IsNullOrEmpty(l.Answer)));
        Assert.All(plain, l => Assert.Null(l.Reasoning));
        Assert.Equal(plain.Select(l => l.Answer), withReasoning.Select(l => l.Answer));
        Assert.All(withReasoning, l => Assert.False(string.IsNullOrEmpty(l.Reasoning)));
        Assert.NotNull(withReasoning[0].ReasoningDetails);
        Assert.Equal((Contracts.Api.BatchStatus.Completed, 2), (view.Status, view.Counts[JobStatus.Completed]));
        Assert.True(view.Usage.TotalTokens > 0);
        var record = (await app.Store.FindAsync(plain[0].JobId, CancellationToken.None))!;
        Assert.Equal((batchId, 0), (record.BatchId, record.BatchItemIndex));
    }
}
