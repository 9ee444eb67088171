using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PromptQueue.Core.Budget;
using PromptQueue.Core.OpenRouter;

namespace PromptQueue.Core.Tests.Budget;

public sealed class RequestBudgetTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Start);
    private readonly InMemoryBudgetStore _store = new();

    [Fact]
    public async Task AcquireAsync_RequestsOneAfterAnother_AreSpacedSixtySecondsOverTheRate()
    {
        // Arrange
        var budget = Budget(new BudgetOptions { RequestsPerMinute = 20, SpacingMargin = TimeSpan.Zero });
        var slots = new List<DateTimeOffset>();

        // Act: each caller waits for its slot, as the processor does, then the next one asks.
        for (var i = 0; i < 5; i++)
        {
            var granted = Assert.IsType<BudgetGranted>(await budget.AcquireAsync(CancellationToken.None));
            slots.Add(granted.SlotAt);
            _time.SetUtcNow(granted.SlotAt);
        }

        // Assert
        Assert.Equal(Enumerable.Range(0, 5).Select(i => Start.AddSeconds(3 * i)), slots);
    }

    [Fact]
    public async Task AcquireAsync_BurstAtOneInstant_GrantsNearSlotsAndDefersTheRestWithoutSpending()
    {
        // Arrange
        var budget = Budget(new BudgetOptions { RequestsPerMinute = 20, SpacingMargin = TimeSpan.Zero, MaxInlineWait = TimeSpan.FromSeconds(10) });

        // Act
        var decisions = new List<BudgetDecision>();
        for (var i = 0; i < 6; i++)
        {
            decisions.Add(await budget.AcquireAsync(CancellationToken.None));
        }

        // Assert: slots 0, 3, 6 and 9 s are close enough to wait for; 12 s is not.
        Assert.Equal([Start, Start.AddSeconds(3), Start.AddSeconds(6), Start.AddSeconds(9)], decisions.OfType<BudgetGranted>().Select(g => g.SlotAt));
        var deferred = decisions.OfType<BudgetDeferred>().ToList();
        Assert.Equal(2, deferred.Count);
        Assert.All(deferred, d => Assert.Equal((Start.AddSeconds(12), BudgetWait.Spacing), (d.Until, d.Reason)));
        Assert.Equal(4, (await budget.ReadAsync(CancellationToken.None)).DayUsed);
    }

    [Fact]
    public async Task AcquireAsync_SpacingMargin_WidensEveryGap()
    {
        // Arrange
        var budget = Budget(new BudgetOptions { RequestsPerMinute = 20, SpacingMargin = TimeSpan.FromMilliseconds(100) });

        // Act
        var first = Assert.IsType<BudgetGranted>(await budget.AcquireAsync(CancellationToken.None));
        var second = Assert.IsType<BudgetGranted>(await budget.AcquireAsync(CancellationToken.None));

        // Assert
        Assert.Equal(TimeSpan.FromMilliseconds(3100), second.SlotAt - first.SlotAt);
    }

    [Fact]
    public async Task AcquireAsync_TwoClientsRaceOnOneStore_NeverShareASlot()
    {
        // Arrange: client B writes between client A's read and A's write.
        var options = new BudgetOptions { RequestsPerMinute = 20, SpacingMargin = TimeSpan.Zero };
        var clientA = Budget(options);
        var clientB = Budget(options);
        BudgetDecision? fromB = null;
        _store.BeforeWrite = async () => fromB = await clientB.AcquireAsync(CancellationToken.None);

        // Act
        var fromA = await clientA.AcquireAsync(CancellationToken.None);

        // Assert: B got the first slot, A lost its write, read again and got the next one.
        Assert.Equal(Start, Assert.IsType<BudgetGranted>(fromB).SlotAt);
        Assert.Equal(Start.AddSeconds(3), Assert.IsType<BudgetGranted>(fromA).SlotAt);
        Assert.Equal(1, _store.Conflicts);
        Assert.Equal(2, (await clientA.ReadAsync(CancellationToken.None)).DayUsed);
    }

    [Fact]
    public async Task AcquireAsync_ManyClientsConcurrently_GrantEachSlotOnceAndCountEveryGrant()
    {
        // Arrange
        var options = new BudgetOptions { RequestsPerMinute = 60, RequestsPerDay = 1000, SpacingMargin = TimeSpan.Zero, MaxInlineWait = TimeSpan.FromMinutes(5) };
        var clients = Enumerable.Range(0, 4).Select(_ => Budget(options)).ToList();

        // Act
        var decisions = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => Task.Run(() => clients[i % 4].AcquireAsync(CancellationToken.None))));

        // Assert
        var slots = decisions.OfType<BudgetGranted>().Select(g => g.SlotAt).Order().ToList();
        Assert.Equal(slots.Count, slots.Distinct().Count());
        Assert.All(slots.Zip(slots.Skip(1)), pair => Assert.True(pair.Second - pair.First >= TimeSpan.FromSeconds(1)));
        Assert.Equal(slots.Count, (await clients[0].ReadAsync(CancellationToken.None)).DayUsed);
        Assert.True(slots.Count >= 100 - decisions.OfType<BudgetDeferred>().Count());
    }

    [Fact]
    public async Task LearnAsync_PerMinute429WithResetAndLowerLimit_BlocksUntilResetThenUsesTheLowerRate()
    {
        // Arrange: the real per-minute 429 shape reports a limit of 16 and a reset 40 s away.
        var budget = Budget(new BudgetOptions { RequestsPerMinute = 20, SpacingMargin = TimeSpan.Zero });
        var reset = Start.AddSeconds(40);
        var error = new ProviderError(429, "429", "Rate limit exceeded: free-models-per-min. ", "rate_limit_exceeded", null, null);

        // Act
        await budget.LearnAsync(new ChatRetryLater(RetryReason.RateLimitedPerMinute, error, null, new RateLimitInfo(16, 0, reset)), CancellationToken.None);
        var whileBlocked = await budget.AcquireAsync(CancellationToken.None);
        _time.SetUtcNow(reset);
        var first = await budget.AcquireAsync(CancellationToken.None);
        var second = await budget.AcquireAsync(CancellationToken.None);

        // Assert
        Assert.Equal(new BudgetDeferred(reset, BudgetWait.BlockedUntilReset, "next free slot at 10:00:40 UTC (16/min)"), whileBlocked);
        Assert.Equal(reset, Assert.IsType<BudgetGranted>(first).SlotAt);
        Assert.Equal(reset.AddSeconds(3.75), Assert.IsType<BudgetGranted>(second).SlotAt);
    }

    [Fact]
    public async Task RecheckAsync_NothingLearnedSinceTheGrant_LetsTheCallStartAndKeepsTheCount()
    {
        // Arrange
        var budget = Budget(new BudgetOptions { RequestsPerMinute = 20, SpacingMargin = TimeSpan.Zero });
        var granted = Assert.IsType<BudgetGranted>(await budget.AcquireAsync(CancellationToken.None));

        // Act
        var held = await budget.RecheckAsync(granted, CancellationToken.None);

        // Assert
        Assert.Null(held);
        Assert.Equal(1, (await budget.ReadAsync(CancellationToken.None)).DayUsed);
    }

    [Fact]
    public async Task RecheckAsync_PausedSinceTheGrant_HoldsTheCallUntilThePauseEndsAndGivesTheRequestBack()
    {
        // Arrange: the account was refused (a 401 elsewhere) after this slot was granted.
        var budget = Budget(new BudgetOptions { RequestsPerMinute = 20, SpacingMargin = TimeSpan.Zero });
        var granted = Assert.IsType<BudgetGranted>(await budget.AcquireAsync(CancellationToken.None));
        await budget.PauseAsync(Start.AddMinutes(5), "the key was refused", keyAtFault: false, CancellationToken.None);

        // Act
        var held = await budget.RecheckAsync(granted, CancellationToken.None);

        // Assert
        Assert.Equal((Start.AddMinutes(5), BudgetWait.Paused), (held!.Until, held.Reason));
        Assert.Equal(0, (await budget.ReadAsync(CancellationToken.None)).DayUsed);
    }

    [Fact]
    public async Task LearnAsync_PerDay429WithoutReset_BlocksUntilNextUtcMidnight()
    {
        // Arrange
        var budget = Budget(new BudgetOptions { RequestsPerDay = 1000 });
        var error = new ProviderError(429, "429", "Rate limit exceeded: free-models-per-day.", "rate_limit_exceeded", null, null);

        // Act
        await budget.LearnAsync(new ChatRetryLater(RetryReason.RateLimitedPerDay, error, null, new RateLimitInfo(50, 0, null)), CancellationToken.None);
        var decision = await budget.AcquireAsync(CancellationToken.None);

        // Assert
        var deferred = Assert.IsType<BudgetDeferred>(decision);
        Assert.Equal((new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero), BudgetWait.DailyLimit), (deferred.Until, deferred.Reason));
        Assert.Equal(50, (await budget.ReadAsync(CancellationToken.None)).LearnedRequestsPerDay);
    }

    [Fact]
    public async Task LearnAsync_Upstream429_LeavesTheAccountBudgetAlone()
    {
        // Arrange
        var budget = Budget(new BudgetOptions());
        var error = new ProviderError(429, "429", "Provider returned error", null, "OpenInference", null);

        // Act
        await budget.LearnAsync(new ChatRetryLater(RetryReason.UpstreamRateLimited, error, null, null), CancellationToken.None);

        // Assert
        Assert.IsType<BudgetGranted>(await budget.AcquireAsync(CancellationToken.None));
        Assert.Equal(1, _store.Writes);
    }

    [Fact]
    public async Task AcquireAsync_DailyLimitSpent_DefersToMidnightThenRollsOver()
    {
        // Arrange
        _time.SetUtcNow(new DateTimeOffset(2026, 11, 25, 23, 0, 0, TimeSpan.Zero));
        var budget = Budget(new BudgetOptions { RequestsPerMinute = 20, RequestsPerDay = 3, SpacingMargin = TimeSpan.Zero });
        for (var i = 0; i < 3; i++)
        {
            _time.SetUtcNow(Assert.IsType<BudgetGranted>(await budget.AcquireAsync(CancellationToken.None)).SlotAt);
        }

        // Act
        var spent = await budget.AcquireAsync(CancellationToken.None);
        _time.SetUtcNow(new DateTimeOffset(2026, 11, 26, 0, 0, 1, TimeSpan.Zero));
        var nextDay = await budget.AcquireAsync(CancellationToken.None);

        // Assert
        var deferred = Assert.IsType<BudgetDeferred>(spent);
        Assert.Equal((new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero), BudgetWait.DailyLimit), (deferred.Until, deferred.Reason));
        Assert.IsType<BudgetGranted>(nextDay);
        var state = await budget.ReadAsync(CancellationToken.None);
        Assert.Equal(("2026-11-26", 1), (state.Day, state.DayUsed));
    }

    [Fact]
    public async Task AcquireAsync_SlotFallsAfterMidnight_IsLeftForTomorrowsCount()
    {
        // Arrange: the next slot is at 00:00:01 while the clock still reads 23:59:58.
        _time.SetUtcNow(new DateTimeOffset(2026, 11, 25, 23, 59, 58, TimeSpan.Zero));
        var budget = Budget(new BudgetOptions { RequestsPerMinute = 20, SpacingMargin = TimeSpan.Zero });
        await budget.AcquireAsync(CancellationToken.None);

        // Act
        var decision = await budget.AcquireAsync(CancellationToken.None);

        // Assert
        var deferred = Assert.IsType<BudgetDeferred>(decision);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 0, 0, 1, TimeSpan.Zero), deferred.Until);
        Assert.Equal(1, (await budget.ReadAsync(CancellationToken.None)).DayUsed);
    }

    [Fact]
    public async Task PauseAsync_AccountRefused_DefersEveryClientUntilThePauseEnds()
    {
        // Arrange
        var budget = Budget(new BudgetOptions());
        var other = Budget(new BudgetOptions());
        var until = Start.AddMinutes(5);

        // Act
        await budget.PauseAsync(until, "HTTP 401: invalid key", keyAtFault: false, CancellationToken.None);
        var duringPause = await other.AcquireAsync(CancellationToken.None);
        _time.SetUtcNow(until);
        var afterPause = await other.AcquireAsync(CancellationToken.None);

        // Assert
        Assert.Equal(new BudgetDeferred(until, BudgetWait.Paused, "HTTP 401: invalid key"), duringPause);
        Assert.IsType<BudgetGranted>(afterPause);
    }

    [Fact]
    public async Task PauseAsync_KeyRefused_HoldsWorkersWithThatKeyButNotOnesWithTheFixedKey()
    {
        // Arrange: a worker whose key OpenRouter refused, then the same account with the key fixed.
        var wrong = KeyedBudget("sk-or-v1-wrong");
        var sameWrong = KeyedBudget("sk-or-v1-wrong");
        var fixedKey = KeyedBudget("sk-or-v1-right");
        var until = Start.AddMinutes(5);

        // Act
        await wrong.PauseAsync(until, "HTTP 401: User not found", keyAtFault: true, CancellationToken.None);
        var withWrongKey = await sameWrong.AcquireAsync(CancellationToken.None);
        var withFixedKey = await fixedKey.AcquireAsync(CancellationToken.None);
        var afterFix = await sameWrong.ReadAsync(CancellationToken.None);

        // Assert: the fixed key runs at once, and its write lifts the pause for everyone.
        Assert.IsType<BudgetDeferred>(withWrongKey);
        Assert.IsType<BudgetGranted>(withFixedKey);
        Assert.Null(afterFix.PausedUntil);
        Assert.DoesNotContain("sk-or-v1", (await _store.ReadAsync(CancellationToken.None)).State.PausedKey ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public void Meters_FreeAndPaidModels_MetersOnlyFreeByDefault()
    {
        // Arrange
        var options = new BudgetOptions();

        // Act / Assert
        Assert.True(options.Meters("openai/gpt-oss-120b:free"));
        Assert.False(options.Meters("openai/gpt-oss-120b"));
        Assert.True(new BudgetOptions { MeterPaidModels = true }.Meters("openai/gpt-oss-120b"));
    }

    private RequestBudget Budget(BudgetOptions options) => new(_store, Options.Create(options), _time, NullLogger<RequestBudget>.Instance);

    private RequestBudget KeyedBudget(string apiKey) =>
        new(_store, Options.Create(new BudgetOptions()), _time, NullLogger<RequestBudget>.Instance, Options.Create(new PromptQueue.Core.OpenRouter.OpenRouterOptions { ApiKey = apiKey }));
}
