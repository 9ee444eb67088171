using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PromptQueue.Contracts;
using PromptQueue.Core.Budget;
using PromptQueue.Core.OpenRouter;

namespace PromptQueue.Core.Tests.Budget;

public sealed class RequestBudgetTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Start);
    private readonly InMemoryBudgetStore _store = new();

    [Fact]
    public async Task AcquireAsync_IdleAccount_GrantsABurstUpToTheLimitAtOnceAndTheNextAWindowLater()
    {
        // Arrange
        var budget = Budget(new BudgetOptions { RequestsPerMinute = 20, WindowMargin = TimeSpan.FromMilliseconds(500) });

        // Act
        var decisions = new List<BudgetDecision>();
        for (var i = 0; i < 21; i++)
        {
            decisions.Add(await budget.AcquireAsync(null, CancellationToken.None));
        }

        // Assert: twenty start now; the 21st must wait until the first is a window (plus the margin, once) behind.
        Assert.All(decisions.Take(20), d => Assert.Equal(Start, Assert.IsType<BudgetGranted>(d).SlotAt));
        Assert.Equal(new BudgetDeferred(Start.AddSeconds(60.5), BudgetWait.Spacing, "next free slot at 10:01:00 UTC (20/min)"), decisions[20]);
        Assert.Equal(20, (await budget.ReadAsync(CancellationToken.None)).DayUsed);
    }

    [Fact]
    public async Task AcquireAsync_LongBacklog_RunsAtTheLimitPerWindowAndNoWindowHoldsMore()
    {
        // Arrange: every caller waits for its slot, however far, so the grants show the pace itself.
        var margin = TimeSpan.FromMilliseconds(250);
        var budget = Budget(new BudgetOptions { RequestsPerMinute = 5, RequestsPerDay = 1000, WindowMargin = margin, MaxInlineWait = TimeSpan.FromMinutes(5) });
        var slots = new List<DateTimeOffset>();

        // Act: 23 requests asked at uneven moments.
        for (var i = 0; i < 23; i++)
        {
            var granted = Assert.IsType<BudgetGranted>(await budget.AcquireAsync(null, CancellationToken.None));
            slots.Add(granted.SlotAt);
            _time.Advance(TimeSpan.FromSeconds(i % 3 * 7));
        }

        // Assert: any six consecutive starts span at least a window, and each window's five start as early as that allows.
        var window = TimeSpan.FromMinutes(1) + margin;
        Assert.All(Enumerable.Range(0, slots.Count - 5), i => Assert.True(slots[i + 5] - slots[i] >= window, $"starts {i} and {i + 5} are {slots[i + 5] - slots[i]} apart"));
        Assert.Equal(slots[0] + window, slots[5]);
        Assert.Equal(slots[15] + window, slots[20]);
    }

    [Fact]
    public async Task AcquireAsync_MinimumGapSet_SpacesEveryStartAndStillKeepsTheWindow()
    {
        // Arrange
        var budget = Budget(new BudgetOptions { RequestsPerMinute = 20, WindowMargin = TimeSpan.FromMilliseconds(500), MinimumGap = TimeSpan.FromSeconds(3), MaxInlineWait = TimeSpan.FromMinutes(5) });
        var slots = new List<DateTimeOffset>();

        // Act
        for (var i = 0; i < 22; i++)
        {
            slots.Add(Assert.IsType<BudgetGranted>(await budget.AcquireAsync(null, CancellationToken.None)).SlotAt);
        }

        // Assert: 0, 3, ... 57 s; then the window's rule (the first start plus 60.5 s) outweighs the gap, once.
        Assert.Equal(Enumerable.Range(0, 20).Select(i => Start.AddSeconds(3 * i)), slots.Take(20));
        Assert.Equal([Start.AddSeconds(60.5), Start.AddSeconds(63.5)], slots.Skip(20));
    }

    [Fact]
    public async Task AcquireAsync_TwoClientsRaceOnOneStore_NeverShareTheLastStartOfAWindow()
    {
        // Arrange: client B writes between client A's read and A's write; the window admits one.
        var options = new BudgetOptions { RequestsPerMinute = 1, WindowMargin = TimeSpan.Zero };
        var clientA = Budget(options);
        var clientB = Budget(options);
        BudgetDecision? fromB = null;
        _store.BeforeWrite = async () => fromB = await clientB.AcquireAsync(null, CancellationToken.None);

        // Act
        var fromA = await clientA.AcquireAsync(null, CancellationToken.None);

        // Assert: B got the start, A lost its write, read again and was told to wait for the next window.
        Assert.Equal(Start, Assert.IsType<BudgetGranted>(fromB).SlotAt);
        Assert.Equal(Start.AddMinutes(1), Assert.IsType<BudgetDeferred>(fromA).Until);
        Assert.Equal(1, _store.Conflicts);
        Assert.Equal(1, (await clientA.ReadAsync(CancellationToken.None)).DayUsed);
    }

    [Fact]
    public async Task AcquireAsync_ManyClientsConcurrently_KeepTheWindowAndCountEveryGrant()
    {
        // Arrange
        var options = new BudgetOptions { RequestsPerMinute = 7, RequestsPerDay = 1000, WindowMargin = TimeSpan.Zero, MaxInlineWait = TimeSpan.FromMinutes(5) };
        var clients = Enumerable.Range(0, 4).Select(_ => Budget(options)).ToList();

        // Act
        var decisions = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(() => clients[i % 4].AcquireAsync(null, CancellationToken.None))));

        // Assert
        var slots = decisions.OfType<BudgetGranted>().Select(g => g.SlotAt).Order().ToList();
        Assert.All(Enumerable.Range(0, Math.Max(0, slots.Count - 7)), i => Assert.True(slots[i + 7] - slots[i] >= TimeSpan.FromMinutes(1)));
        Assert.Equal(slots.Count, (await clients[0].ReadAsync(CancellationToken.None)).DayUsed);
        Assert.Equal(40, slots.Count + decisions.OfType<BudgetDeferred>().Count());
        Assert.True(slots.Count >= 35, $"only {slots.Count} of 40 granted within five minutes");
    }

    [Fact]
    public async Task AcquireAsync_WindowFullForAJob_ReservesItsSlotAndCountsItInTheDay()
    {
        // Arrange: two starts a minute, both spent.
        var budget = Budget(new BudgetOptions { RequestsPerMinute = 2, WindowMargin = TimeSpan.FromMilliseconds(500) });
        await budget.AcquireAsync("job-a", CancellationToken.None);
        await budget.AcquireAsync("job-b", CancellationToken.None);

        // Act
        var decisions = new List<BudgetDecision>();
        foreach (var job in new[] { "job-c", "job-d", "job-e" })
        {
            decisions.Add(await budget.AcquireAsync(job, CancellationToken.None));
        }

        // Assert: each deferred job owns a definite slot, the next window's two and then the one after.
        Assert.Equal(
            [(Start.AddSeconds(60.5), true), (Start.AddSeconds(60.5), true), (Start.AddSeconds(121), true)],
            decisions.Select(d => (Assert.IsType<BudgetDeferred>(d).Until, ((BudgetDeferred)d).Reserved)));
        var state = await budget.ReadAsync(CancellationToken.None);
        Assert.Equal((5, 3), (state.DayUsed, state.Starts.Count(s => s.Reserved)));
    }

    [Fact]
    public async Task AcquireAsync_JobBackForItsReservation_StartsThereAndNewcomersCannotTakeIt()
    {
        // Arrange: job-c holds the only slot of the next window.
        var budget = Budget(new BudgetOptions { RequestsPerMinute = 1, WindowMargin = TimeSpan.FromMilliseconds(500) });
        await budget.AcquireAsync("job-a", CancellationToken.None);
        var reserved = Assert.IsType<BudgetDeferred>(await budget.AcquireAsync("job-c", CancellationToken.None));
        _time.SetUtcNow(reserved.Until - BudgetRules.ReservationLead);

        // Act: a newcomer asks first, then job-c comes back.
        var newcomer = await budget.AcquireAsync("job-x", CancellationToken.None);
        var back = await budget.AcquireAsync("job-c", CancellationToken.None);

        // Assert
        Assert.Equal(Start.AddSeconds(121), Assert.IsType<BudgetDeferred>(newcomer).Until);
        Assert.Equal(reserved.Until, Assert.IsType<BudgetGranted>(back).SlotAt);
        var state = await budget.ReadAsync(CancellationToken.None);
        Assert.Equal((3, 1), (state.DayUsed, state.Starts.Count(s => s.Reserved)));
    }

    [Fact]
    public async Task AcquireAsync_ReservationItsJobNeverClaims_IsReleasedToOthersAfterTheGrace()
    {
        // Arrange: job-c reserved the next window's slot and its worker died.
        var options = new BudgetOptions { RequestsPerMinute = 1, WindowMargin = TimeSpan.Zero, ReservationGrace = TimeSpan.FromSeconds(15) };
        var budget = Budget(options);
        await budget.AcquireAsync("job-a", CancellationToken.None);
        var reserved = Assert.IsType<BudgetDeferred>(await budget.AcquireAsync("job-c", CancellationToken.None));

        // Act: just within the grace the slot is still held; just past it, a newcomer gets a start at once.
        _time.SetUtcNow(reserved.Until + options.ReservationGrace - TimeSpan.FromMilliseconds(1));
        var withinGrace = await budget.AcquireAsync(null, CancellationToken.None);
        _time.SetUtcNow(reserved.Until + options.ReservationGrace + TimeSpan.FromMilliseconds(1));
        var pastGrace = await budget.AcquireAsync("job-y", CancellationToken.None);

        // Assert: the lapsed reservation went back to the day's count, so the day counts only the calls made.
        Assert.IsType<BudgetDeferred>(withinGrace);
        Assert.Equal(_time.GetUtcNow(), Assert.IsType<BudgetGranted>(pastGrace).SlotAt);
        var state = await budget.ReadAsync(CancellationToken.None);
        Assert.Equal((2, 0), (state.DayUsed, state.Starts.Count(s => s.Reserved)));
    }

    [Fact]
    public async Task AcquireAsync_JobBackLateForItsReservation_StartsNowAndTheSlotAWindowAfterMovesOn()
    {
        // Arrange: job-c's slot is at 60 s and job-d's at 120 s; job-c comes back at 62 s (its worker was busy).
        var budget = Budget(new BudgetOptions { RequestsPerMinute = 1, WindowMargin = TimeSpan.Zero });
        await budget.AcquireAsync("job-a", CancellationToken.None);
        var reserved = Assert.IsType<BudgetDeferred>(await budget.AcquireAsync("job-c", CancellationToken.None));
        var after = Assert.IsType<BudgetDeferred>(await budget.AcquireAsync("job-d", CancellationToken.None));
        _time.SetUtcNow(reserved.Until.AddSeconds(2));

        // Act
        var back = await budget.AcquireAsync("job-c", CancellationToken.None);
        _time.SetUtcNow(after.Until - BudgetRules.ReservationLead);
        var next = await budget.AcquireAsync("job-d", CancellationToken.None);

        // Assert: job-c starts at once rather than after job-d; job-d starts a window after job-c, 2 s after its slot.
        Assert.Equal(Start.AddSeconds(62), Assert.IsType<BudgetGranted>(back).SlotAt);
        Assert.Equal(Start.AddSeconds(120), after.Until);
        Assert.Equal(Start.AddSeconds(122), Assert.IsType<BudgetGranted>(next).SlotAt);
        var state = await budget.ReadAsync(CancellationToken.None);
        Assert.Equal((3, 0), (state.DayUsed, state.Starts.Count(s => s.Reserved)));
    }

    [Fact]
    public async Task AcquireAsync_ReservedJobBackWhileA429Blocks_GivesUpItsSlotAndReservesOneAfterTheBlock()
    {
        // Arrange: job-c holds the slot at 60 s; a 429 then blocks everything until 90 s.
        var budget = Budget(new BudgetOptions { RequestsPerMinute = 1, WindowMargin = TimeSpan.Zero });
        await budget.AcquireAsync("job-a", CancellationToken.None);
        var reserved = Assert.IsType<BudgetDeferred>(await budget.AcquireAsync("job-c", CancellationToken.None));
        var error = new ProviderError(429, "429", "Rate limit exceeded: free-models-per-min.", "rate_limit_exceeded", null, null);
        await budget.LearnAsync(new ChatRetryLater(RetryReason.RateLimitedPerMinute, error, null, new RateLimitInfo(1, 0, Start.AddSeconds(90))), CancellationToken.None);
        _time.SetUtcNow(reserved.Until - BudgetRules.ReservationLead);

        // Act
        var back = await budget.AcquireAsync("job-c", CancellationToken.None);

        // Assert
        var deferred = Assert.IsType<BudgetDeferred>(back);
        Assert.Equal((Start.AddSeconds(90), BudgetWait.BlockedUntilReset, true), (deferred.Until, deferred.Reason, deferred.Reserved));
        var state = await budget.ReadAsync(CancellationToken.None);
        Assert.Equal((2, 1), (state.DayUsed, state.Starts.Count(s => s.Reserved)));
    }

    [Fact]
    public async Task AcquireAsync_ReservationBeyondTheHorizon_IsNotMadeAndNothingIsSpent()
    {
        // Arrange
        var budget = Budget(new BudgetOptions { RequestsPerMinute = 1, WindowMargin = TimeSpan.Zero, ReservationHorizon = TimeSpan.FromSeconds(30) });
        await budget.AcquireAsync("job-a", CancellationToken.None);

        // Act
        var decision = await budget.AcquireAsync("job-c", CancellationToken.None);

        // Assert
        Assert.Equal((Start.AddMinutes(1), false), (Assert.IsType<BudgetDeferred>(decision).Until, ((BudgetDeferred)decision).Reserved));
        Assert.Equal(1, (await budget.ReadAsync(CancellationToken.None)).DayUsed);
    }

    [Fact]
    public async Task ReceiveAdviceAsync_NoSlotToReserveWithinTheHorizon_HoldsUntilThereIsAndWakesForTheReservation()
    {
        // Arrange: one start a minute, spent; 10:01:00's is reserved for job-c; reservations reach 90 s ahead.
        var budget = Budget(new BudgetOptions { RequestsPerMinute = 1, WindowMargin = TimeSpan.Zero, MaxInlineWait = TimeSpan.FromSeconds(10), ReservationHorizon = TimeSpan.FromSeconds(90) });
        var idle = await budget.ReceiveAdviceAsync(CancellationToken.None);
        await budget.AcquireAsync("job-a", CancellationToken.None);
        await budget.AcquireAsync("job-c", CancellationToken.None);

        // Act
        var full = await budget.ReceiveAdviceAsync(CancellationToken.None);

        // Assert: nothing to hold on an idle account; on a full one a new job could reserve the next free slot, 10:02:00,
        // from 10:00:30, and job-c is due back a second before its slot.
        Assert.Equal((null, null), idle);
        Assert.Equal((Start.AddSeconds(30), Start.AddSeconds(59)), full);
    }

    [Fact]
    public async Task LearnAsync_PerMinute429WithResetAndLowerLimit_BlocksUntilResetThenUsesTheLowerRate()
    {
        // Arrange: the real per-minute 429 shape reports a limit of 16 and a reset 40 s away.
        var budget = Budget(new BudgetOptions { RequestsPerMinute = 20, WindowMargin = TimeSpan.Zero });
        var reset = Start.AddSeconds(40);
        var error = new ProviderError(429, "429", "Rate limit exceeded: free-models-per-min. ", "rate_limit_exceeded", null, null);

        // Act
        await budget.LearnAsync(new ChatRetryLater(RetryReason.RateLimitedPerMinute, error, null, new RateLimitInfo(16, 0, reset)), CancellationToken.None);
        var whileBlocked = await budget.AcquireAsync(null, CancellationToken.None);
        _time.SetUtcNow(reset);
        var first = await budget.AcquireAsync(null, CancellationToken.None);
        var second = await budget.AcquireAsync(null, CancellationToken.None);

        // Assert
        Assert.Equal(new BudgetDeferred(reset, BudgetWait.BlockedUntilReset, "next free slot at 10:00:40 UTC (16/min)"), whileBlocked);
        Assert.Equal(reset, Assert.IsType<BudgetGranted>(first).SlotAt);
        Assert.Equal(reset, Assert.IsType<BudgetGranted>(second).SlotAt);
    }

    [Fact]
    public async Task RecheckAsync_NothingLearnedSinceTheGrant_LetsTheCallStartAndKeepsTheCount()
    {
        // Arrange
        var budget = Budget(new BudgetOptions { RequestsPerMinute = 20, WindowMargin = TimeSpan.Zero });
        var granted = Assert.IsType<BudgetGranted>(await budget.AcquireAsync(null, CancellationToken.None));

        // Act
        var rechecked = await budget.RecheckAsync(granted, null, JobPriority.Interactive, CancellationToken.None);

        // Assert
        Assert.Equal(granted, rechecked);
        Assert.Equal(1, (await budget.ReadAsync(CancellationToken.None)).DayUsed);
    }

    [Fact]
    public async Task RecheckAsync_PausedSinceTheGrant_HoldsTheCallUntilThePauseEndsAndGivesTheRequestBack()
    {
        // Arrange: the account was refused (a 401 elsewhere) after this slot was granted.
        var budget = Budget(new BudgetOptions { RequestsPerMinute = 20, WindowMargin = TimeSpan.Zero });
        var granted = Assert.IsType<BudgetGranted>(await budget.AcquireAsync(null, CancellationToken.None));
        await budget.PauseAsync(Start.AddMinutes(5), "the key was refused", keyAtFault: false, CancellationToken.None);

        // Act
        var held = Assert.IsType<BudgetDeferred>(await budget.RecheckAsync(granted, null, JobPriority.Interactive, CancellationToken.None));

        // Assert
        Assert.Equal((Start.AddMinutes(5), BudgetWait.Paused), (held.Until, held.Reason));
        Assert.Equal(0, (await budget.ReadAsync(CancellationToken.None)).DayUsed);
    }

    [Fact]
    public async Task ConfirmStartAsync_CallWentOutLate_CountsItFromThenSoTheCallAWindowLaterWaitsForIt()
    {
        // Arrange: one start a window; job-a's call went out 600 ms after its slot, beyond the 100 ms tolerated.
        var budget = Budget(new BudgetOptions { RequestsPerMinute = 1, WindowMargin = TimeSpan.FromMilliseconds(200), MaxInlineWait = TimeSpan.FromMinutes(2) });
        var granted = Assert.IsType<BudgetGranted>(await budget.AcquireAsync("job-a", CancellationToken.None));
        _time.Advance(TimeSpan.FromMilliseconds(600));

        // Act
        await budget.ConfirmStartAsync(granted, "job-a", _time.GetUtcNow(), CancellationToken.None);
        var next = await budget.AcquireAsync("job-b", CancellationToken.None);

        // Assert: the window (and its margin) is counted from when job-a's call really went out.
        Assert.Equal(Start.AddMilliseconds(600) + TimeSpan.FromSeconds(60.2), Assert.IsType<BudgetGranted>(next).SlotAt);
    }

    [Fact]
    public async Task ConfirmStartAsync_CallWentOutWithinTheTolerance_WritesNothing()
    {
        // Arrange
        var budget = Budget(new BudgetOptions { RequestsPerMinute = 1, WindowMargin = TimeSpan.FromMilliseconds(200) });
        var granted = Assert.IsType<BudgetGranted>(await budget.AcquireAsync("job-a", CancellationToken.None));
        var writes = _store.Writes;

        // Act
        await budget.ConfirmStartAsync(granted, "job-a", Start.AddMilliseconds(100), CancellationToken.None);

        // Assert
        Assert.Equal(writes, _store.Writes);
        Assert.Equal(Start, Assert.Single((await budget.ReadAsync(CancellationToken.None)).Starts).At);
    }

    [Fact]
    public async Task RecheckAsync_ACallBeforeItWentOutLate_MovesTheSlotOnAsFarAsTheWindowNeeds()
    {
        // Arrange: job-b is granted the slot a window after job-a's and waits for it; then job-a's call goes out late.
        var budget = Budget(new BudgetOptions { RequestsPerMinute = 1, WindowMargin = TimeSpan.Zero, MaxInlineWait = TimeSpan.FromMinutes(2) });
        var first = Assert.IsType<BudgetGranted>(await budget.AcquireAsync("job-a", CancellationToken.None));
        var second = Assert.IsType<BudgetGranted>(await budget.AcquireAsync("job-b", CancellationToken.None));
        await budget.ConfirmStartAsync(first, "job-a", Start.AddMilliseconds(700), CancellationToken.None);
        _time.SetUtcNow(second.SlotAt);

        // Act
        var rechecked = await budget.RecheckAsync(second, "job-b", JobPriority.Interactive, CancellationToken.None);

        // Assert: job-b's start moves by as much, and the day still counts two.
        Assert.Equal(Start.AddMinutes(1), second.SlotAt);
        Assert.Equal(new BudgetGranted(Start.AddMinutes(1).AddMilliseconds(700)), rechecked);
        var state = await budget.ReadAsync(CancellationToken.None);
        Assert.Equal([Start.AddMilliseconds(700), Start.AddMinutes(1).AddMilliseconds(700)], state.Starts.Select(s => s.At));
        Assert.Equal(2, state.DayUsed);
    }

    [Fact]
    public async Task AcquireAsync_ACallBeforeTheReservationWentOutLate_TheReservedJobStartsAsFarOnAsTheWindowNeeds()
    {
        // Arrange: job-b reserves the slot a window after job-a's; job-a's call goes out 700 ms late.
        var budget = Budget(new BudgetOptions { RequestsPerMinute = 1, WindowMargin = TimeSpan.Zero, MaxInlineWait = TimeSpan.FromSeconds(5) });
        var first = Assert.IsType<BudgetGranted>(await budget.AcquireAsync("job-a", CancellationToken.None));
        var reserved = Assert.IsType<BudgetDeferred>(await budget.AcquireAsync("job-b", CancellationToken.None));
        await budget.ConfirmStartAsync(first, "job-a", Start.AddMilliseconds(700), CancellationToken.None);
        _time.SetUtcNow(reserved.Until - BudgetRules.ReservationLead);

        // Act
        var back = await budget.AcquireAsync("job-b", CancellationToken.None);

        // Assert
        Assert.True(reserved.Reserved);
        Assert.Equal(new BudgetGranted(Start.AddMinutes(1).AddMilliseconds(700)), back);
        Assert.Equal(2, (await budget.ReadAsync(CancellationToken.None)).DayUsed);
    }

    [Fact]
    public async Task AcquireAsync_InteractiveJobWhileBulkJobsReservedTheNextSlots_TakesTheEarliestAndThatBulkJobTheNextFree()
    {
        // Arrange: one start a window; a bulk job started now and two more reserved the next two windows.
        var budget = Budget(new BudgetOptions { RequestsPerMinute = 1, WindowMargin = TimeSpan.Zero, MaxInlineWait = TimeSpan.FromSeconds(5) });
        Assert.IsType<BudgetGranted>(await budget.AcquireAsync("bulk-a", JobPriority.Bulk, CancellationToken.None));
        var bumped = Assert.IsType<BudgetDeferred>(await budget.AcquireAsync("bulk-b", JobPriority.Bulk, CancellationToken.None));
        Assert.IsType<BudgetDeferred>(await budget.AcquireAsync("bulk-c", JobPriority.Bulk, CancellationToken.None));
        _time.Advance(TimeSpan.FromSeconds(1));

        // Act
        var interactive = Assert.IsType<BudgetDeferred>(await budget.AcquireAsync("job-x", JobPriority.Interactive, CancellationToken.None));
        _time.SetUtcNow(bumped.Until - BudgetRules.ReservationLead);
        var bulkBack = Assert.IsType<BudgetDeferred>(await budget.AcquireAsync("bulk-b", JobPriority.Bulk, CancellationToken.None));

        // Assert: the interactive job has the next window's slot; bulk-b, back for it, is sent on to the one after bulk-c's.
        Assert.Equal((Start.AddMinutes(1), true), (bumped.Until, bumped.Reserved));
        Assert.Equal((Start.AddMinutes(1), true), (interactive.Until, interactive.Reserved));
        Assert.Equal((Start.AddMinutes(3), true), (bulkBack.Until, bulkBack.Reserved));
        var state = await budget.ReadAsync(CancellationToken.None);
        Assert.Equal(4, state.DayUsed);
        Assert.Equal([Start, Start.AddMinutes(1), Start.AddMinutes(2), Start.AddMinutes(3)], state.Starts.Select(s => s.At));
    }

    [Fact]
    public async Task AcquireAsync_BulkJobsWhileAnInteractiveJobWaits_LeaveItTheShareOfTheWindow()
    {
        // Arrange: five a window, a fifth kept for interactive jobs; bulk jobs filled this window, and an interactive
        // job reserved the first slot of the next.
        var budget = Budget(new BudgetOptions { RequestsPerMinute = 5, WindowMargin = TimeSpan.Zero, MaxInlineWait = TimeSpan.FromSeconds(5), InteractiveShare = 0.2 });
        for (var i = 0; i < 5; i++)
        {
            Assert.IsType<BudgetGranted>(await budget.AcquireAsync($"bulk-{i}", JobPriority.Bulk, CancellationToken.None));
        }

        var interactive = Assert.IsType<BudgetDeferred>(await budget.AcquireAsync("job-x", JobPriority.Interactive, CancellationToken.None));

        // Act: more bulk jobs ask, then a second interactive job.
        var bulk = new List<BudgetDeferred>();
        for (var i = 5; i < 9; i++)
        {
            bulk.Add(Assert.IsType<BudgetDeferred>(await budget.AcquireAsync($"bulk-{i}", JobPriority.Bulk, CancellationToken.None)));
        }

        var second = Assert.IsType<BudgetDeferred>(await budget.AcquireAsync("job-y", JobPriority.Interactive, CancellationToken.None));

        // Assert: the next window holds the interactive job and three bulk ones, leaving one slot, which the second
        // interactive job takes; the fourth bulk job goes to the window after.
        Assert.Equal(Start.AddMinutes(1), interactive.Until);
        Assert.Equal([Start.AddMinutes(1), Start.AddMinutes(1), Start.AddMinutes(1), Start.AddMinutes(2)], bulk.Select(d => d.Until));
        Assert.Equal((Start.AddMinutes(1), true), (second.Until, second.Reserved));
    }

    [Fact]
    public async Task AcquireAsync_BulkJobsAlone_UseTheWholeWindowAndDay()
    {
        // Arrange
        var budget = Budget(new BudgetOptions { RequestsPerMinute = 5, RequestsPerDay = 5, WindowMargin = TimeSpan.Zero, InteractiveShare = 0.5, InteractiveDailyReserve = 3 });

        // Act
        var decisions = new List<BudgetDecision>();
        for (var i = 0; i < 6; i++)
        {
            decisions.Add(await budget.AcquireAsync($"bulk-{i}", JobPriority.Bulk, CancellationToken.None));
        }

        // Assert: with no interactive job waiting, nothing is kept back.
        Assert.All(decisions.Take(5), d => Assert.Equal(Start, Assert.IsType<BudgetGranted>(d).SlotAt));
        Assert.Equal(BudgetWait.DailyLimit, Assert.IsType<BudgetDeferred>(decisions[5]).Reason);
    }

    [Fact]
    public async Task AcquireAsync_BulkJobWhileAnInteractiveJobWaits_LeavesItTheDaysLastRequests()
    {
        // Arrange: ten a day, three kept for interactive jobs; bulk jobs filled the window, and an interactive job waits.
        var budget = Budget(new BudgetOptions { RequestsPerMinute = 5, RequestsPerDay = 10, WindowMargin = TimeSpan.Zero, MaxInlineWait = TimeSpan.FromSeconds(5), InteractiveDailyReserve = 3 });
        for (var i = 0; i < 5; i++)
        {
            Assert.IsType<BudgetGranted>(await budget.AcquireAsync($"bulk-{i}", JobPriority.Bulk, CancellationToken.None));
        }

        Assert.IsType<BudgetDeferred>(await budget.AcquireAsync("job-x", JobPriority.Interactive, CancellationToken.None));

        // Act
        var bulkReserved = Assert.IsType<BudgetDeferred>(await budget.AcquireAsync("bulk-5", JobPriority.Bulk, CancellationToken.None));
        var bulkKeptBack = Assert.IsType<BudgetDeferred>(await budget.AcquireAsync("bulk-6", JobPriority.Bulk, CancellationToken.None));
        var interactive = Assert.IsType<BudgetDeferred>(await budget.AcquireAsync("job-y", JobPriority.Interactive, CancellationToken.None));

        // Assert: the bulk job that would have taken the day's eighth request waits; the interactive one reserves it.
        Assert.True(bulkReserved.Reserved);
        Assert.Equal((BudgetWait.Spacing, false), (bulkKeptBack.Reason, bulkKeptBack.Reserved));
        Assert.Contains("last 3 requests are kept for interactive jobs", bulkKeptBack.Detail, StringComparison.Ordinal);
        Assert.True(interactive.Reserved);
        Assert.Equal(8, (await budget.ReadAsync(CancellationToken.None)).DayUsed);
    }

    [Fact]
    public async Task LearnAsync_PerDay429WithoutReset_BlocksUntilNextUtcMidnight()
    {
        // Arrange
        var budget = Budget(new BudgetOptions { RequestsPerDay = 1000 });
        var error = new ProviderError(429, "429", "Rate limit exceeded: free-models-per-day.", "rate_limit_exceeded", null, null);

        // Act
        await budget.LearnAsync(new ChatRetryLater(RetryReason.RateLimitedPerDay, error, null, new RateLimitInfo(50, 0, null)), CancellationToken.None);
        var decision = await budget.AcquireAsync(null, CancellationToken.None);

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
        Assert.IsType<BudgetGranted>(await budget.AcquireAsync(null, CancellationToken.None));
        Assert.Equal(1, _store.Writes);
    }

    [Fact]
    public async Task AcquireAsync_DailyLimitSpent_DefersToMidnightThenRollsOver()
    {
        // Arrange
        _time.SetUtcNow(new DateTimeOffset(2026, 11, 25, 23, 0, 0, TimeSpan.Zero));
        var budget = Budget(new BudgetOptions { RequestsPerMinute = 20, RequestsPerDay = 3, WindowMargin = TimeSpan.Zero });
        for (var i = 0; i < 3; i++)
        {
            _time.SetUtcNow(Assert.IsType<BudgetGranted>(await budget.AcquireAsync(null, CancellationToken.None)).SlotAt);
        }

        // Act
        var spent = await budget.AcquireAsync(null, CancellationToken.None);
        _time.SetUtcNow(new DateTimeOffset(2026, 11, 26, 0, 0, 1, TimeSpan.Zero));
        var nextDay = await budget.AcquireAsync(null, CancellationToken.None);

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
        // Arrange: one start a minute, spent at 23:59:58; the next slot is at 00:00:58.
        _time.SetUtcNow(new DateTimeOffset(2026, 11, 25, 23, 59, 58, TimeSpan.Zero));
        var budget = Budget(new BudgetOptions { RequestsPerMinute = 1, WindowMargin = TimeSpan.Zero, MaxInlineWait = TimeSpan.FromMinutes(5) });
        await budget.AcquireAsync(null, CancellationToken.None);

        // Act
        var decision = await budget.AcquireAsync(null, CancellationToken.None);

        // Assert
        var deferred = Assert.IsType<BudgetDeferred>(decision);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 0, 0, 58, TimeSpan.Zero), deferred.Until);
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
        var duringPause = await other.AcquireAsync(null, CancellationToken.None);
        _time.SetUtcNow(until);
        var afterPause = await other.AcquireAsync(null, CancellationToken.None);

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
        var withWrongKey = await sameWrong.AcquireAsync(null, CancellationToken.None);
        var withFixedKey = await fixedKey.AcquireAsync(null, CancellationToken.None);
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

    [Fact]
    public async Task ReceiveAdviceAsync_ReservedJobDueButNotBack_HoldsNothingAndPollsEveryLead()
    {
        // Arrange: job-c's slot is at 10:01:00 and its message is due a second before; the window after it is full.
        var budget = Budget(new BudgetOptions { RequestsPerMinute = 1, WindowMargin = TimeSpan.Zero, MaxInlineWait = TimeSpan.FromSeconds(10) });
        await budget.AcquireAsync("job-a", CancellationToken.None);
        await budget.AcquireAsync("job-c", CancellationToken.None);
        _time.SetUtcNow(Start.AddSeconds(59.5));

        // Act
        var advice = await budget.ReceiveAdviceAsync(CancellationToken.None);

        // Assert: new work could not start before 10:02:00, but job-c's message must be taken now, not then.
        Assert.Equal((null, Start.AddSeconds(60.5)), advice);
    }

    private RequestBudget Budget(BudgetOptions options) => new(_store, Options.Create(options), _time, NullLogger<RequestBudget>.Instance);

    private RequestBudget KeyedBudget(string apiKey) =>
        new(_store, Options.Create(new BudgetOptions()), _time, NullLogger<RequestBudget>.Instance, Options.Create(new PromptQueue.Core.OpenRouter.OpenRouterOptions { ApiKey = apiKey }));
}
