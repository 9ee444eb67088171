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
    public async Task AcquireAsync_TwoInstancesRacingOnOneTable_NeverOverfillAWindow()
    {
        // Arrange: two budgets, as two hosts would build them, over one table.
        var options = Options.Create(new BudgetOptions
        {
            Table = "Race" + Guid.NewGuid().ToString("N")[..12],
            RequestsPerMinute = 7,
            RequestsPerDay = 10_000,
            WindowMargin = TimeSpan.Zero,
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
                mine.Add(await budgets[worker % 2].AcquireAsync(null, CancellationToken.None));
            }

            return mine;
        }))).SelectMany(d => d).ToList();

        // Assert: a start lost to a rival is read again; under heavy contention a request may give way (defer),
        // but no window ever holds more than seven starts and every grant is counted.
        var slots = decisions.OfType<BudgetGranted>().Select(g => g.SlotAt).Order().ToList();
        Assert.All(decisions.OfType<BudgetDeferred>(), d => Assert.Equal(BudgetWait.Spacing, d.Reason));
        Assert.True(slots.Count >= 30, $"only {slots.Count} of 40 requests got a slot");
        Assert.All(Enumerable.Range(0, slots.Count - 7), i => Assert.True(slots[i + 7] - slots[i] >= TimeSpan.FromMinutes(1), $"{slots[i]:O} and {slots[i + 7]:O} are eight starts within a minute"));
        Assert.Equal(slots.Count, (await budgets[1].ReadAsync(CancellationToken.None)).DayUsed);
    }
}
