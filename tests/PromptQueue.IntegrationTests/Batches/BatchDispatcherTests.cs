using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;
using PromptQueue.Core.Batches;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Batches;

[Collection(AzuriteTests.Name)]
public sealed class BatchDispatcherTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task DispatchAsync_FreeTierPace_ReleasesOneIntervalPlusLeadAndNeverFloods()
    {
        // Arrange: 20 a minute, one-minute ticks, a lead of 2, 100 items.
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 10, 9, 0, 0, TimeSpan.Zero));
        await using var app = await StartAsync(clock, rpm: 20, perDay: 1000);
        var batchId = await app.SubmitBatchAsync(BatchTestKit.Jsonl(100));
        var dispatcher = app.Get<BatchDispatcher>();

        // Act
        var first = await dispatcher.DispatchAsync(CancellationToken.None);
        var sameWindow = await dispatcher.DispatchAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(1));
        var nothingFinished = await dispatcher.DispatchAsync(CancellationToken.None);
        var released = await app.ResultsAsync(batchId);
        foreach (var line in released.Where(l => l.Status is not null).Take(5))
        {
            await app.FinishAsync(line.JobId, JobStatus.Completed);
        }

        clock.Advance(TimeSpan.FromMinutes(1));
        var fiveFinished = await dispatcher.DispatchAsync(CancellationToken.None);

        // Assert
        Assert.Equal((22, 0, 22), (first.Capacity, first.InFlight, first.Released));
        Assert.Equal(0, sameWindow.Released);
        Assert.Equal((0, 22, 0), (nothingFinished.Capacity, nothingFinished.InFlight, nothingFinished.Released));
        Assert.Equal((5, 17, 5), (fiveFinished.Capacity, fiveFinished.InFlight, fiveFinished.Released));
        var queued = await app.QueuedJobIdsAsync();
        Assert.Equal(27, queued.Count);
        Assert.Equal(27, queued.Distinct().Count());
        var view = await app.ViewAsync(batchId);
        Assert.Equal((100, 73, 5), (view.Items, view.Pending, view.Counts[JobStatus.Completed]));
        Assert.Equal(0.05, view.Progress, 3);
    }

    [Fact]
    public async Task DispatchAsync_FewRequestsLeftToday_ReleasesNoMoreThanTheDayAllows()
    {
        // Arrange
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 10, 9, 0, 0, TimeSpan.Zero));
        await using var app = await StartAsync(clock, rpm: 20, perDay: 8);
        var batchId = await app.SubmitBatchAsync(BatchTestKit.Jsonl(30));

        // Act
        var result = await app.Get<BatchDispatcher>().DispatchAsync(CancellationToken.None);
        var view = await app.ViewAsync(batchId);

        // Assert: eight today, eight on each of the next two days, and the last six at 3 s apart on the third.
        Assert.Equal(8, result.Released);
        Assert.Equal(8, (await app.QueuedJobIdsAsync()).Count);
        Assert.Equal(new DateTimeOffset(2026, 3, 13, 0, 0, 18, TimeSpan.Zero), view.EstimatedCompletionAt);
    }

    [Fact]
    public async Task DispatchAsync_TwoHostsAtOnce_ReleaseEveryItemExactlyOnce()
    {
        // Arrange: two hosts with their own service providers on the same storage, and a budget that lets all items go.
        await using var first = await TestApp.StartAsync(azurite, settings =>
        {
            settings["Budget:RequestsPerMinute"] = "10000";
            settings["Budget:RequestsPerDay"] = "1000000";
        });
        await using var second = await TestApp.StartAsync(azurite, settings =>
        {
            foreach (var key in new[] { "PromptQueue:JobQueue", "PromptQueue:JobTable", "PromptQueue:BatchTable", "Budget:Table", "Budget:RequestsPerMinute", "Budget:RequestsPerDay" })
            {
                settings[key] = first.Configuration[key];
            }
        });
        var batchId = await first.SubmitBatchAsync(BatchTestKit.Jsonl(400));

        // Act: three dispatchers on each host, all at once.
        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => (i % 2 == 0 ? first : second).Get<BatchDispatcher>().DispatchAsync(CancellationToken.None)));

        // Assert
        Assert.Equal(400, results.Sum(r => r.Released));
        Assert.True(results.Count(r => r.Released > 0) > 1, "the dispatchers should have shared the work, so that their claims raced");
        var queued = await first.QueuedJobIdsAsync();
        Assert.Equal(400, queued.Count);
        Assert.Equal(400, queued.Distinct().Count());
        var lines = await first.ResultsAsync(batchId);
        Assert.Equal(queued.Order(StringComparer.Ordinal), lines.Select(l => l.JobId).Order(StringComparer.Ordinal));
        Assert.All(lines, l => Assert.Equal(JobStatus.Queued, l.Status));
        var view = await first.ViewAsync(batchId);
        Assert.Equal((BatchStatus.Running, 0, 400), (view.Status, view.Pending, view.Counts[JobStatus.Queued]));
    }

    [Fact]
    public async Task DispatchAsync_ClaimOfADeadDispatcherLapsed_ReleasesItsItemsOnce()
    {
        // Arrange: a dispatcher claimed items 0 to 9, then died before releasing them.
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 10, 9, 0, 0, TimeSpan.Zero));
        await using var app = await StartAsync(clock, rpm: 20, perDay: 1000);
        var batchId = await app.SubmitBatchAsync(BatchTestKit.Jsonl(10));
        var store = app.Get<BatchStore>();
        var header = (await store.FindHeaderAsync(batchId, CancellationToken.None))!;
        header.NextIndex = 10;
        header.Status = BatchStatus.Running;
        Assert.True(await store.TryClaimAsync(header, 0, 10, clock.GetUtcNow() + TimeSpan.FromMinutes(5), CancellationToken.None));
        var dispatcher = app.Get<BatchDispatcher>();

        // Act
        var beforeLapse = await dispatcher.DispatchAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(6));
        var afterLapse = await dispatcher.DispatchAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(6));
        var again = await dispatcher.DispatchAsync(CancellationToken.None);

        // Assert
        Assert.Equal((0, 0), (beforeLapse.Released, beforeLapse.Recovered));
        Assert.Equal(10, afterLapse.Recovered);
        Assert.Equal(0, again.Recovered);
        var queued = await app.QueuedJobIdsAsync();
        Assert.Equal(10, queued.Distinct().Count());
        Assert.Equal(10, queued.Count);
        Assert.Empty(await store.ReadClaimsAsync(batchId, CancellationToken.None));
    }

    private Task<TestApp> StartAsync(FakeTimeProvider clock, int rpm, int perDay) =>
        TestApp.StartAsync(
            azurite,
            settings =>
            {
                settings["Budget:RequestsPerMinute"] = rpm.ToString(System.Globalization.CultureInfo.InvariantCulture);
                settings["Budget:RequestsPerDay"] = perDay.ToString(System.Globalization.CultureInfo.InvariantCulture);
                settings["PromptQueue:Batches:Lead"] = "2";
            },
            configureServices: services => services.AddSingleton<TimeProvider>(clock));
}
