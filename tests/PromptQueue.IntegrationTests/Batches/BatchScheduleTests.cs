using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using PromptQueue.Core.Batches;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Batches;

[Collection(AzuriteTests.Name)]
public sealed class BatchScheduleTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task CreateDueAsync_TicksForTheSameOccurrence_CreateOneBatchAndTheNextOccurrenceAnother()
    {
        // Arrange: a digest every five minutes, from a template with two variable sets.
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 10, 6, 0, 10, TimeSpan.Zero));
        await using var app = await TestApp.StartAsync(
            azurite,
            settings =>
            {
                settings["PromptQueue:Schedules:digest:Cron"] = "*/5 * * * *";
                settings["PromptQueue:Schedules:digest:Template"] = """{"prompt":"News about {{topic}}"}""";
                settings["PromptQueue:Schedules:digest:Variables:0:topic"] = "rust";
                settings["PromptQueue:Schedules:digest:Variables:1:topic"] = "dotnet";
            },
            configureServices: services => services.AddSingleton<TimeProvider>(clock));
        var scheduler = app.Get<BatchScheduler>();

        // Act: two ticks at once, one a little later, then one after the next occurrence.
        var concurrent = await Task.WhenAll(scheduler.CreateDueAsync(CancellationToken.None), scheduler.CreateDueAsync(CancellationToken.None));
        clock.Advance(TimeSpan.FromSeconds(40));
        var later = await scheduler.CreateDueAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(5));
        var next = await scheduler.CreateDueAsync(CancellationToken.None);

        // Assert
        var first = Assert.Single(concurrent.SelectMany(ids => ids));
        Assert.Empty(later);
        var second = Assert.Single(next);
        Assert.NotEqual(first, second);
        var headers = await app.BatchTable().QueryAsync<TableEntity>(e => e.RowKey == BatchHeader.RowKeyValue).ToListAsync();
        Assert.Equal(2, headers.Count);
        var view = await app.ViewAsync(first);
        Assert.Equal(("digest", 2, new DateTimeOffset(2026, 3, 10, 6, 0, 0, TimeSpan.Zero)), (view.Schedule, view.Items, view.CreatedAt));
        var items = await app.ResultsAsync(first);
        Assert.Equal(2, items.Count);
        Assert.Equal(2, (await app.BatchTable().QueryAsync<TableEntity>(e => e.PartitionKey == first && e.RowKey.CompareTo("a") < 0).ToListAsync()).Count);
    }

    [Fact]
    public async Task CreateDueAsync_JobsWrittenOverSeveralLines_BecomeOneBatchInOrder()
    {
        // Arrange: configured jobs as people paste them, pretty-printed.
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 10, 6, 0, 10, TimeSpan.Zero));
        await using var app = await TestApp.StartAsync(
            azurite,
            settings =>
            {
                settings["PromptQueue:Schedules:check:Cron"] = "0 6 * * *";
                settings["PromptQueue:Schedules:check:Jobs:0"] = "{\n  \"prompt\": \"Reply with OK.\",\n  \"max_tokens\": 5\n}";
                settings["PromptQueue:Schedules:check:Jobs:1"] = "{\"prompt\":\"And again.\"}";
            },
            configureServices: services => services.AddSingleton<TimeProvider>(clock));

        // Act
        var created = await app.Get<BatchScheduler>().CreateDueAsync(CancellationToken.None);

        // Assert
        var batchId = Assert.Single(created);
        Assert.Equal(2, (await app.ViewAsync(batchId)).Items);
    }
}
