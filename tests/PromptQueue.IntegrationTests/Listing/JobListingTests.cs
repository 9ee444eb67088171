using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;
using PromptQueue.Http.Api;
using PromptQueue.Core.Batches;
using PromptQueue.Core.Listing;
using PromptQueue.Core.Storage;
using PromptQueue.IntegrationTests.Batches;
using PromptQueue.IntegrationTests.Http;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Listing;

/// <summary><c>GET /api/jobs</c> and <c>GET /api/batches</c>: served from the indexes by day, paged by continuation.</summary>
[Collection(AzuriteTests.Name)]
public sealed class JobListingTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset Start = new(2026, 3, 10, 22, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task ListAsync_JobsOverSeveralDaysPagedByThree_ReturnsEveryJobExactlyOnceNewestFirst()
    {
        // Arrange: 10 jobs, 5 hours apart, so they fall on three UTC days.
        var clock = new FakeTimeProvider(Start);
        await using var app = await StartAsync(clock);
        var created = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            created.Add(await app.SubmitAsync($$"""{"prompt":"Question {{i}}"}"""));
            clock.Advance(TimeSpan.FromHours(5));
        }

        // Act
        var pages = await ReadAllPagesAsync(app, since: "3d", top: "3");

        // Assert
        Assert.Equal(Enumerable.Reverse(created), pages.SelectMany(p => p.Items).Select(i => i.Id));
        Assert.All(pages.SkipLast(1), page => Assert.NotNull(page.Continuation));
        Assert.Null(pages[^1].Continuation);
        Assert.All(pages.SelectMany(p => p.Items), item => Assert.Equal((JobStatus.Queued, "http"), (item.Status, item.Source)));
    }

    [Fact]
    public async Task ListAsync_Since_ListsOnlyJobsCreatedAtOrAfterIt()
    {
        // Arrange
        var clock = new FakeTimeProvider(Start);
        await using var app = await StartAsync(clock);
        await app.SubmitAsync("""{"prompt":"too old"}""");
        clock.Advance(TimeSpan.FromHours(3));
        var sinceTime = clock.GetUtcNow();
        var atSince = await app.SubmitAsync("""{"prompt":"just in"}""");
        clock.Advance(TimeSpan.FromHours(1));
        var newer = await app.SubmitAsync("""{"prompt":"newer"}""");

        // Act
        var pages = await ReadAllPagesAsync(app, since: sinceTime.ToString("O"), top: null);
        var byDefault = await ReadAllPagesAsync(app, since: null, top: null);

        // Assert
        Assert.Equal([newer, atSince], pages.SelectMany(p => p.Items).Select(i => i.Id));
        Assert.Equal(3, byDefault.SelectMany(p => p.Items).Count());
    }

    [Fact]
    public async Task ListAsync_StatusAndBatchFilters_ReturnOnlyMatchingJobsAcrossPages()
    {
        // Arrange: three plain jobs, one Completed and one Failed, and a batch whose items are released.
        var clock = new FakeTimeProvider(Start);
        await using var app = await StartAsync(clock);
        var completed = await app.SubmitAsync("""{"prompt":"done"}""");
        clock.Advance(TimeSpan.FromSeconds(1));
        var failed = await app.SubmitAsync("""{"prompt":"broken"}""");
        await app.SubmitAsync("""{"prompt":"waiting its turn"}""");
        await app.FinishAsync(completed, JobStatus.Completed);
        await app.FinishAsync(failed, JobStatus.Failed);
        var batchId = await app.SubmitBatchAsync(BatchTestKit.Jsonl(4));
        clock.Advance(TimeSpan.FromDays(2));
        var released = (await app.Get<BatchDispatcher>().DispatchAsync(CancellationToken.None)).Released;

        // Act
        var failedOrCompleted = await ReadAllPagesAsync(app, status: "failed,Completed", top: "1");
        var ofBatch = await ReadAllPagesAsync(app, batch: batchId, top: "2");

        // Assert
        Assert.Equal(
            [(failed, JobStatus.Failed), (completed, JobStatus.Completed)],
            failedOrCompleted.SelectMany(p => p.Items).Select(i => (i.Id, i.Status)));
        var batchItems = ofBatch.SelectMany(p => p.Items).ToList();
        Assert.Equal(4, released);
        Assert.Equal(4, batchItems.Select(i => i.Id).Distinct().Count());
        Assert.All(batchItems, item => Assert.Equal((batchId, "batch"), (item.BatchId, item.Source)));
        Assert.Equal(["item-0", "item-1", "item-2", "item-3"], batchItems.Select(i => i.Name!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ListAsync_ReadsTheIndexAlone_NeverTheJobRows()
    {
        // Arrange: one job whose job row is gone (only its index row tells of it), and a job row with no index row.
        await using var app = await TestApp.StartAsync(azurite);
        var indexed = await app.SubmitAsync("""{"prompt":"listed from the index"}""");
        await app.JobTable.DeleteEntityAsync(indexed, JobRecord.RowKeyValue);
        var unindexed = new JobRecord { PartitionKey = "job-stored-before-the-index", Status = JobStatus.Completed, QueuedAt = TimeProvider.System.GetUtcNow() };
        await app.JobTable.AddEntityAsync(unindexed);

        // Act
        var items = (await ReadAllPagesAsync(app)).SelectMany(p => p.Items).ToList();

        // Assert
        var item = Assert.Single(items);
        Assert.Equal((indexed, JobStatus.Queued), (item.Id, item.Status));
    }

    [Fact]
    public async Task ListAsync_OldJobChangingAfterTheIndexExisted_JoinsTheIndexUnderAStableDay()
    {
        // Arrange: a job row as stored before the index (no CreatedAt, no index row).
        await using var app = await TestApp.StartAsync(azurite);
        var queuedAt = TimeProvider.System.GetUtcNow().AddDays(-2);
        await app.JobTable.AddEntityAsync(new JobRecord { PartitionKey = "job-older", Status = JobStatus.Queued, QueuedAt = queuedAt });
        var record = (await app.Store.FindAsync("job-older", CancellationToken.None))!;

        // Act: it changes twice; a retry would move QueuedAt, never the day it is listed under.
        record.Status = JobStatus.Failed;
        record.CompletedAt = TimeProvider.System.GetUtcNow();
        Assert.True(await app.Store.TryUpdateAsync(record, CancellationToken.None));
        record.QueuedAt = TimeProvider.System.GetUtcNow();
        Assert.True(await app.Store.TryUpdateAsync(record, CancellationToken.None));
        var items = (await ReadAllPagesAsync(app)).SelectMany(p => p.Items).ToList();

        // Assert
        var item = Assert.Single(items);
        Assert.Equal(("job-older", JobStatus.Failed, queuedAt.ToUnixTimeMilliseconds()), (item.Id, item.Status, item.CreatedAt.ToUnixTimeMilliseconds()));
    }

    [Fact]
    public async Task TryUpdateAsync_StatusUnchanged_LeavesTheIndexRowAloneAndAStatusChangeRewritesIt()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        var jobId = await app.SubmitAsync("""{"prompt":"renewed"}""");
        var record = (await app.Store.FindAsync(jobId, CancellationToken.None))!;
        var before = await IndexRowAsync(app, record);

        // Act: a write that keeps the status (as a claim renewal does), then one that changes it.
        record.Attempts++;
        Assert.True(await app.Store.TryUpdateAsync(record, CancellationToken.None));
        var afterSameStatus = await IndexRowAsync(app, record);
        record.Status = JobStatus.Running;
        Assert.True(await app.Store.TryUpdateAsync(record, CancellationToken.None));
        var afterChange = await IndexRowAsync(app, record);

        // Assert
        Assert.Equal(before.ETag, afterSameStatus.ETag);
        Assert.NotEqual(before.ETag, afterChange.ETag);
        Assert.Equal(nameof(JobStatus.Running), afterChange.GetString("Status"));
    }

    [Fact]
    public async Task Submit_SameIdTwice_LeavesOneIndexRow()
    {
        // Arrange
        var clock = new FakeTimeProvider(Start);
        await using var app = await StartAsync(clock);
        await app.SubmitAsync("""{"id":"twice","prompt":"once"}""");
        clock.Advance(TimeSpan.FromMinutes(1));

        // Act: the second creation is refused (the id is taken); its index row must not stay behind.
        await app.SubmitAsync("""{"id":"twice","prompt":"once"}""");
        var items = (await ReadAllPagesAsync(app)).SelectMany(p => p.Items).ToList();

        // Assert
        Assert.Equal(["twice"], items.Select(i => i.Id));
    }

    [Theory]
    [InlineData("/api/jobs?status=Finished", "status")]
    [InlineData("/api/jobs?status=3", "status")]
    [InlineData("/api/jobs?batch=batch-nope", "batch")]
    [InlineData("/api/jobs?since=yesterday", "since")]
    [InlineData("/api/jobs?since=4000d", "since")]
    [InlineData("/api/jobs?top=0", "top")]
    [InlineData("/api/jobs?top=1001", "top")]
    [InlineData("/api/jobs?continuation=not-a-token", "continuation")]
    [InlineData("/api/jobs?continuation=MjAyNjEzNDB8", "continuation")]
    [InlineData("/api/batches?status=Queued", "status")]
    [InlineData("/api/batches?continuation=%3D%3D", "continuation")]
    public async Task List_BadParameter_Returns400ProblemNamingIt(string path, string parameter)
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        await using var api = await ApiHost.StartAsync(app);

        // Act
        using var response = await api.Client.GetAsync(path);

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(ApiProblem.ContentType, response.Content.Headers.ContentType?.MediaType);
        var problem = JsonSerializer.Deserialize<ApiProblem>(await response.Content.ReadAsStringAsync(), ContractJson.Options)!;
        Assert.Equal(parameter, Assert.Single(problem.Errors!).Path);
        Assert.Contains(parameter, problem.Title, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_OverHttp_PagesWithTheContinuationAsSent()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        await using var api = await ApiHost.StartAsync(app);
        var ids = new[] { await app.SubmitAsync("""{"prompt":"a"}"""), await app.SubmitAsync("""{"prompt":"b"}""") };

        // Act
        using var first = await api.Client.GetAsync("/api/jobs?top=1");
        var firstPage = JsonSerializer.Deserialize<ListPage<JobListItem>>(await first.Content.ReadAsStringAsync(), ContractJson.Options)!;
        using var second = await api.Client.GetAsync("/api/jobs?top=1&continuation=" + Uri.EscapeDataString(firstPage.Continuation!));
        var secondPage = JsonSerializer.Deserialize<ListPage<JobListItem>>(await second.Content.ReadAsStringAsync(), ContractJson.Options)!;

        // Assert
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, second.StatusCode));
        Assert.Equal(ids.Reverse(), firstPage.Items.Concat(secondPage.Items).Select(i => i.Id));
    }

    [Fact]
    public async Task ListBatches_NewestFirstWithStatusFilterAndPaging_ReturnsEachBatchOnce()
    {
        // Arrange: three batches a day apart; the middle one cancelled.
        var clock = new FakeTimeProvider(Start);
        await using var app = await StartAsync(clock);
        var batchIds = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            batchIds.Add(await app.SubmitBatchAsync(BatchTestKit.Jsonl(2)));
            clock.Advance(TimeSpan.FromDays(1));
        }

        Assert.Equal(200, (await app.Get<BatchApi>().CancelAsync(batchIds[1], CancellationToken.None)).StatusCode);

        // Act
        var all = await ReadAllBatchPagesAsync(app, status: null, top: "2");
        var cancelled = await ReadAllBatchPagesAsync(app, status: "cancelled", top: "2");

        // Assert
        Assert.Equal(Enumerable.Reverse(batchIds), all.SelectMany(p => p.Items).Select(b => b.Id));
        Assert.Equal(2, all.Count);
        var only = Assert.Single(cancelled.SelectMany(p => p.Items));
        Assert.Equal((batchIds[1], BatchStatus.Cancelled, 2), (only.Id, only.Status, only.Items));
    }

    [Fact]
    public async Task ListBatches_ReadsTheIndexAndHeaders_NeverTheItemRows()
    {
        // Arrange: a batch whose index row is removed is not listed, though its header and items are there.
        await using var app = await TestApp.StartAsync(azurite);
        var listed = await app.SubmitBatchAsync(BatchTestKit.Jsonl(2));
        var unlisted = await app.SubmitBatchAsync(BatchTestKit.Jsonl(2));
        var header = (await app.Get<BatchStore>().FindHeaderAsync(unlisted, CancellationToken.None))!;
        await app.BatchTable().DeleteEntityAsync(DayIndex.PartitionOf(header.CreatedAt), DayIndex.RowKeyOf(header.CreatedAt, unlisted));

        // Act
        var items = (await ReadAllBatchPagesAsync(app, status: null, top: null)).SelectMany(p => p.Items).ToList();

        // Assert
        Assert.Equal([listed], items.Select(b => b.Id));
    }

    private static async Task<Azure.Data.Tables.TableEntity> IndexRowAsync(TestApp app, JobRecord record) =>
        (await app.JobTable.GetEntityAsync<Azure.Data.Tables.TableEntity>(DayIndex.PartitionOf(record.CreatedAt!.Value), DayIndex.RowKeyOf(record.CreatedAt.Value, record.JobId))).Value;

    private Task<TestApp> StartAsync(FakeTimeProvider clock) => TestApp.StartAsync(
        azurite,
        settings =>
        {
            settings["Budget:RequestsPerMinute"] = "600";
            settings["Budget:RequestsPerDay"] = "1000";
        },
        configureServices: services => services.AddSingleton<TimeProvider>(clock));

    private static Task<List<ListPage<JobListItem>>> ReadAllPagesAsync(TestApp app, string? status = null, string? batch = null, string? since = null, string? top = null) =>
        ReadAllPagesAsync<JobListItem>(continuation => app.Get<JobApi>().ListAsync(new ListParameters(status, batch, since, top, continuation), CancellationToken.None));

    private static Task<List<ListPage<BatchView>>> ReadAllBatchPagesAsync(TestApp app, string? status, string? top) =>
        ReadAllPagesAsync<BatchView>(continuation => app.Get<BatchApi>().ListAsync(new ListParameters(status, Top: top, Continuation: continuation), CancellationToken.None));

    /// <summary>Every page of a listing, each asked for with the previous page's continuation, until there is none.</summary>
    private static async Task<List<ListPage<T>>> ReadAllPagesAsync<T>(Func<string?, Task<ApiResponse>> list)
    {
        var pages = new List<ListPage<T>>();
        string? continuation = null;
        do
        {
            var response = await list(continuation);
            Assert.Equal(200, response.StatusCode);
            var page = Assert.IsType<ListPage<T>>(response.Body);
            pages.Add(page);
            continuation = page.Continuation;
            Assert.True(pages.Count < 100, "the listing never ends");
        }
        while (continuation is not null);

        return pages;
    }
}
