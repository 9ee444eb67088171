using System.Text;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;
using PromptQueue.Http.Api;
using PromptQueue.Core.Batches;
using PromptQueue.Core.Processing;
using PromptQueue.Core.Retention;
using PromptQueue.Hosting.Worker;
using PromptQueue.Core.Storage;
using PromptQueue.Core.Submission;
using PromptQueue.Functions;
using PromptQueue.IntegrationTests.Batches;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Retention;

/// <summary>Retention: finished jobs and batches older than the setting go with every row they own; nothing else does.</summary>
[Collection(AzuriteTests.Name)]
public sealed class RetentionSweepTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset Start = new(2026, 3, 10, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task RemoveExpiredAsync_OldFinishedJob_GoesWithEveryRowWhileUnfinishedAndRecentJobsStay()
    {
        // Arrange: an old job with an idempotency key, a long trace, an answer, a usage marker and a leftover chunk of
        // an earlier write; an old job never finished; a recent finished job.
        var clock = new FakeTimeProvider(Start);
        await using var app = await StartAsync(clock, retentionDays: "30");
        var key = "key-" + Guid.NewGuid().ToString("N");
        var old = await SubmitWithKeyAsync(app, key);
        await CompleteAsync(app, clock, old);
        await app.JobTable.UpsertEntityAsync(new TableEntity(old, JobTextRows.RowKey(JobText.Reasoning, "earlier", 0)) { [JobTextRows.TextProperty] = "a losing write" });
        var unfinished = await app.SubmitAsync("""{"prompt":"never taken"}""");
        clock.Advance(TimeSpan.FromDays(40));
        var recent = await app.SubmitAsync("""{"prompt":"recent"}""");
        await CompleteAsync(app, clock, recent);
        Assert.True(await RowCountAsync(app.JobTable, old) > 4);

        // Act
        var first = await new RemoveExpiredJobs(app.Get<RetentionSweep>()).Run(null!, CancellationToken.None);
        var second = await app.Get<RetentionSweep>().RemoveExpiredAsync(CancellationToken.None);

        // Assert
        Assert.Equal(new RetentionResult(1, 0), first);
        Assert.Equal(new RetentionResult(0, 0), second);
        Assert.Equal(0, await RowCountAsync(app.JobTable, old));
        Assert.Equal(0, await RowCountAsync(app.JobTable, IdempotencyKeys.PartitionFor(key)));
        Assert.Equal([recent, unfinished], await IndexedIdsAsync(app.JobTable));
        Assert.Equal(JobStatus.Queued, (await app.Store.FindAsync(unfinished, CancellationToken.None))?.Status);
        Assert.Equal(JobStatus.Completed, (await app.Store.FindAsync(recent, CancellationToken.None))?.Status);
        var usageRows = await RowsAsync(app.BatchTable(), "usage-2026-03-10");
        Assert.Equal(["total"], usageRows.Select(r => r.RowKey));
    }

    [Fact]
    public async Task RemoveExpiredAsync_PassStoppedAfterTheJobRow_NextPassRemovesTheRest()
    {
        // Arrange: a pass removed the job row, then stopped before its chunks and index row.
        var clock = new FakeTimeProvider(Start);
        await using var app = await StartAsync(clock, retentionDays: "1");
        var jobId = await app.SubmitAsync("""{"prompt":"half removed"}""");
        await CompleteAsync(app, clock, jobId);
        await app.JobTable.DeleteEntityAsync(jobId, JobRecord.RowKeyValue);
        clock.Advance(TimeSpan.FromDays(3));

        // Act
        await app.Get<RetentionSweep>().RemoveExpiredAsync(CancellationToken.None);

        // Assert
        Assert.Equal(0, await RowCountAsync(app.JobTable, jobId));
        Assert.Empty(await IndexedIdsAsync(app.JobTable));
    }

    [Fact]
    public async Task RemoveExpiredAsync_OldSettledBatches_GoWithTheirItemsAndJobsWhileUnsettledAndRecentBatchesStay()
    {
        // Arrange: old batches: one cancelled before release, one whose released jobs all completed, one with a
        // completed and an unfinished job, one never dispatched; and a recent cancelled batch.
        var clock = new FakeTimeProvider(Start);
        await using var app = await StartAsync(clock, retentionDays: "30");
        var cancelled = await app.SubmitBatchAsync(BatchTestKit.Jsonl(3));
        Assert.Equal(200, (await app.Get<BatchApi>().CancelAsync(cancelled, CancellationToken.None)).StatusCode);
        var completed = await app.SubmitBatchAsync(BatchTestKit.Jsonl(2));
        var running = await app.SubmitBatchAsync(BatchTestKit.Jsonl(2));
        Assert.Equal(4, (await app.Get<BatchDispatcher>().DispatchAsync(CancellationToken.None)).Released);
        var completedJobs = (await app.ResultsAsync(completed)).Select(line => line.JobId).ToList();
        foreach (var jobId in completedJobs)
        {
            await CompleteAsync(app, clock, jobId);
        }

        var runningJobs = (await app.ResultsAsync(running)).Select(line => line.JobId).ToList();
        await CompleteAsync(app, clock, runningJobs[0]);
        var dispatching = await app.SubmitBatchAsync(BatchTestKit.Jsonl(2));
        clock.Advance(TimeSpan.FromDays(40));
        var recent = await app.SubmitBatchAsync(BatchTestKit.Jsonl(2));
        Assert.Equal(200, (await app.Get<BatchApi>().CancelAsync(recent, CancellationToken.None)).StatusCode);
        Assert.Equal(BatchStatus.Completed, (await app.ViewAsync(completed)).Status);

        // Act
        var result = await app.Get<RetentionSweep>().RemoveExpiredAsync(CancellationToken.None);

        // Assert
        Assert.Equal(new RetentionResult(2, 2), result);
        Assert.Equal(0, await RowCountAsync(app.BatchTable(), cancelled));
        Assert.Equal(0, await RowCountAsync(app.BatchTable(), completed));
        Assert.Equal(404, (await app.Get<BatchApi>().GetAsync(completed, CancellationToken.None)).StatusCode);
        foreach (var jobId in completedJobs)
        {
            Assert.Equal(0, await RowCountAsync(app.JobTable, jobId));
        }

        Assert.Equal(new[] { recent, dispatching, running }.Order(StringComparer.Ordinal), (await IndexedIdsAsync(app.BatchTable())).Order(StringComparer.Ordinal));
        Assert.Equal(runningJobs.Order(StringComparer.Ordinal), (await IndexedIdsAsync(app.JobTable)).Order(StringComparer.Ordinal));
        Assert.Equal(JobStatus.Completed, (await app.Store.FindAsync(runningJobs[0], CancellationToken.None))?.Status);
        Assert.Equal(BatchStatus.Dispatching, (await app.ViewAsync(dispatching)).Status);
    }

    [Fact]
    public async Task RemoveExpiredAsync_NoSetting_IsOffAndRemovesNothing()
    {
        // Arrange
        var clock = new FakeTimeProvider(Start);
        await using var app = await StartAsync(clock, retentionDays: null);
        var jobId = await app.SubmitAsync("""{"prompt":"kept for ever"}""");
        await CompleteAsync(app, clock, jobId);
        clock.Advance(TimeSpan.FromDays(3650));

        // Act
        var result = await app.Get<RetentionSweep>().RemoveExpiredAsync(CancellationToken.None);

        // Assert
        Assert.Null(app.Get<IOptions<RetentionOptions>>().Value.Days);
        Assert.Equal(new RetentionResult(0, 0), result);
        Assert.Equal(JobStatus.Completed, (await app.Store.FindAsync(jobId, CancellationToken.None))?.Status);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("3651")]
    public async Task Options_DaysOutOfRange_AreRefusedNamingTheSetting(string days)
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite, settings => settings["PromptQueue:Retention:Days"] = days);

        // Act
        var ex = Assert.Throws<OptionsValidationException>(() => app.Get<IOptions<RetentionOptions>>().Value);

        // Assert
        Assert.Contains("Retention:Days", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StandaloneWorker_RunsTheRetentionLoop()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite, configureServices: services => services.AddPromptQueueStandaloneWorker());

        // Act
        var loops = app.Services.GetServices<IHostedService>();

        // Assert
        Assert.Single(loops.OfType<RetentionLoop>());
    }

    private Task<TestApp> StartAsync(FakeTimeProvider clock, string? retentionDays) => TestApp.StartAsync(
        azurite,
        settings =>
        {
            settings["PromptQueue:Retention:Days"] = retentionDays;
            settings["Budget:RequestsPerMinute"] = "600";
            settings["Budget:RequestsPerDay"] = "1000";
        },
        configureServices: services => services.AddSingleton<TimeProvider>(clock));

    private static async Task<string> SubmitWithKeyAsync(TestApp app, string key)
    {
        var body = Encoding.UTF8.GetBytes("""{"prompt":"old and finished","reasoning":{"effort":"low"}}""");
        using var stream = new MemoryStream(body);
        var response = await app.Get<JobApi>().SubmitAsync(stream, body.Length, "application/json", key, CancellationToken.None);
        Assert.Equal(202, response.StatusCode);
        return Assert.IsType<JobAccepted>(response.Body).Id;
    }

    /// <summary>Completes a job as the processor would, with a trace of several chunks, and tells the observers.</summary>
    private static async Task CompleteAsync(TestApp app, FakeTimeProvider clock, string jobId)
    {
        var record = (await app.Store.FindAsync(jobId, CancellationToken.None))!;
        record.Status = JobStatus.Completed;
        record.CompletedAt = clock.GetUtcNow();
        record.NoticesPendingSince = record.CompletedAt;
        record.TotalTokens = 10;
        var texts = new Dictionary<JobText, string> { [JobText.Answer] = "The answer.", [JobText.Reasoning] = new string('r', (2 * JobTextRows.ChunkChars) + 1) };
        Assert.True(await app.Store.TryUpdateAsync(record, texts, CancellationToken.None));
        await app.Get<JobTerminalNotices>().PublishAsync(record);
    }

    private static async Task<int> RowCountAsync(TableClient table, string partition) => (await RowsAsync(table, partition)).Count;

    private static async Task<List<TableEntity>> RowsAsync(TableClient table, string partition)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition}"), select: ["RowKey"]))
        {
            rows.Add(row);
        }

        return rows;
    }

    /// <summary>The ids every day partition of a table's index holds, newest first.</summary>
    private static async Task<List<string>> IndexedIdsAsync(TableClient table)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey ge {DayIndex.PartitionPrefix} and PartitionKey lt {"~created."}");
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(filter))
        {
            rows.Add(row);
        }

        return rows.OrderByDescending(r => r.PartitionKey, StringComparer.Ordinal).ThenBy(r => r.RowKey, StringComparer.Ordinal).Select(r => DayIndex.IdOf(r.RowKey)).ToList();
    }
}
