using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PromptQueue.Core.Budget;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Pacing;

/// <summary>The budget's conditional writes on a real table: instances racing for slots never share one.</summary>
[Collection(AzuriteTests.Name)]
public sealed class TableBudgetStoreTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task AcquireAsync_TwoInstancesRacingOnOneTable_NeverGrantTheSameSlotTwice()
    {
        // Arrange: two budgets, as two hosts would build them, over one table.
        var options = Options.Create(new BudgetOptions
        {
            Table = "Race" + Guid.NewGuid().ToString("N")[..12],
            RequestsPerMinute = 600,
            RequestsPerDay = 10_000,
            SpacingMargin = TimeSpan.Zero,
            MaxInlineWait = TimeSpan.FromMinutes(10),
        });
        var tables = new TableServiceClient(azurite.ConnectionString);
        var stores = new[] { new TableBudgetStore(tables, options), new TableBudgetStore(tables, options) };
        await stores[0].EnsureCreatedAsync(CancellationToken.None);
        var budgets = stores.Select(store => new RequestBudget(store, options, TimeProvider.System, NullLogger<RequestBudget>.Instance)).ToArray();

        // Act: each instance handles four messages at a time, as host.json's batch size allows, five times over.
        var decisions = (await Task.WhenAll(Enumerable.Range(0, 8).Select(async worker =>
        {
            var mine = new List<BudgetDecision>();
            for (var i = 0; i < 5; i++)
            {
                mine.Add(await budgets[worker % 2].AcquireAsync(CancellationToken.None));
            }

            return mine;
        }))).SelectMany(d => d).ToList();

        // Assert: a slot lost to a rival is read again; under heavy contention a request may give way (defer),
        // but no slot is ever granted twice and every grant is counted.
        var slots = decisions.OfType<BudgetGranted>().Select(g => g.SlotAt).Order().ToList();
        Assert.All(decisions.OfType<BudgetDeferred>(), d => Assert.Equal(BudgetWait.Spacing, d.Reason));
        Assert.True(slots.Count >= 30, $"only {slots.Count} of 40 requests got a slot");
        Assert.All(slots.Zip(slots.Skip(1)), pair => Assert.True(pair.Second - pair.First >= TimeSpan.FromMilliseconds(100), $"{pair.First:O} and {pair.Second:O} are closer than the spacing"));
        Assert.Equal(slots.Count, (await budgets[1].ReadAsync(CancellationToken.None)).DayUsed);
    }
}
