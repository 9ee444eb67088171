using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using PromptQueue.Contracts;
using PromptQueue.Core.Batches;
using PromptQueue.Core.Budget;
using PromptQueue.Core.OpenRouter;
using PromptQueue.Core.Processing;
using PromptQueue.Core.Submission;
using PromptQueue.Functions;
using PromptQueue.IntegrationTests.Batches;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Pacing;

/// <summary>"Slow down" from the API, or from our own budget, makes a job wait: never fail, never poison, never cost an attempt.</summary>
[Collection(AzuriteTests.Name)]
public sealed class ProcessorPacingTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Run_PlatformPerMinute429_WaitsUntilTheResetCountingTheCallButNoFailure()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        var submission = await app.Get<JobSubmitter>().SubmitAsync("""{"prompt":"too fast [[sim:status=429]]"}""", JobSources.Http, CancellationToken.None);
        var message = await app.JobQueue().ReceiveOneAsync();
        var before = TimeProvider.System.GetUtcNow();

        // Act
        var result = await new ProcessJob(app.Processor).Run(message, CancellationToken.None);

        // Assert: the job waits for the reset the 429 named, and the shared budget now blocks every instance.
        Assert.Equal(JobOutcome.Deferred, result.Outcome);
        var record = await app.Store.FindAsync(submission.JobId!, CancellationToken.None);
        Assert.Equal((JobStatus.Waiting, 1, 0, WaitReason.RateLimitedPerMinute), (record!.Status, record.Attempts, record.FailedCalls, record.WaitReason));
        Assert.Equal(1, app.Simulator.ChatRequestCount);
        Assert.Equal(429, record.ErrorHttpStatus);
        var budget = await app.Get<RequestBudget>().ReadAsync(CancellationToken.None);
        Assert.NotNull(budget.BlockedUntil);
        Assert.True(budget.BlockedUntil > before);
        Assert.True(record.NextAttemptAt >= budget.BlockedUntil);
    }

    [Fact]
    public async Task Run_429LearnedWhileTheJobWaitsForItsGrantedSlot_HoldsTheCallBackAndGivesTheSlotBack()
    {
        // Arrange: one start a minute, spent now, so the job is granted the next one, a minute on, and waits for it inline.
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var app = await TestApp.StartAsync(
            azurite,
            s =>
            {
                s["Budget:RequestsPerMinute"] = "1";
                s["Budget:WindowMargin"] = "00:00:00";
                s["Budget:MaxInlineWait"] = "00:02:00";
            },
            configureServices: services => services.AddSingleton<TimeProvider>(clock));
        var budget = app.Get<RequestBudget>();
        Assert.IsType<BudgetGranted>(await budget.AcquireAsync(null, CancellationToken.None));
        var submission = await app.Get<JobSubmitter>().SubmitAsync("""{"prompt":"granted, then blocked"}""", JobSources.Http, CancellationToken.None);
        var message = await app.JobQueue().ReceiveOneAsync();
        var processing = new ProcessJob(app.Processor).Run(message, CancellationToken.None);
        for (var reads = 0; (await budget.ReadAsync(CancellationToken.None)).DayUsed < 2; reads++)
        {
            Assert.True(reads < 3000 && !processing.IsCompleted, "the job never took its slot");
            await Task.Delay(10);
        }

        // Act: another call's 429 blocks the account for two minutes while this job waits; then its slot comes.
        var error = new ProviderError(429, "rate_limited", "Rate limit exceeded: free-models-per-min", null, null, null);
        await budget.LearnAsync(new ChatRetryLater(RetryReason.RateLimitedPerMinute, error, null, new RateLimitInfo(1, 0, clock.GetUtcNow() + TimeSpan.FromMinutes(2))), CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(61));
        var result = await processing;

        // Assert: no call went out to be refused; the job waits for the reset, and the day has its request back.
        Assert.Equal(JobOutcome.Deferred, result.Outcome);
        Assert.Equal(0, app.Simulator.ChatRequestCount);
        var record = await app.Store.FindAsync(submission.JobId!, CancellationToken.None);
        Assert.Equal((JobStatus.Waiting, WaitReason.BlockedUntilReset, 0), (record!.Status, record.WaitReason, record.Attempts));
        var state = await budget.ReadAsync(CancellationToken.None);
        Assert.Equal(1, state.DayUsed);
        Assert.True(record.NextAttemptAt >= state.BlockedUntil);
    }

    [Fact]
    public async Task Run_WindowFull_TheJobReservesItsSlotComesBackToItAndANewcomerCannotTakeIt()
    {
        // Arrange: one start a minute, spent now.
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var app = await TestApp.StartAsync(
            azurite,
            s =>
            {
                s["Budget:RequestsPerMinute"] = "1";
                s["Budget:WindowMargin"] = "00:00:00";
            },
            configureServices: services => services.AddSingleton<TimeProvider>(clock));
        var budget = app.Get<RequestBudget>();
        var spent = Assert.IsType<BudgetGranted>(await budget.AcquireAsync(null, CancellationToken.None));
        var submitter = app.Get<JobSubmitter>();
        var first = await submitter.SubmitAsync("""{"prompt":"first in the queue"}""", JobSources.Http, CancellationToken.None);
        var firstMessage = await app.JobQueue().ReceiveOneAsync();
        var second = await submitter.SubmitAsync("""{"prompt":"asks while the first waits"}""", JobSources.Http, CancellationToken.None);
        var secondMessage = await app.JobQueue().ReceiveOneAsync();

        // Act: both are deferred; then the first comes back at its slot (the clock stands still meanwhile).
        var firstDeferred = await app.Processor.ProcessAsync(new JobDelivery(firstMessage.Body.ToString(), firstMessage.MessageId), CancellationToken.None);
        var secondDeferred = await app.Processor.ProcessAsync(new JobDelivery(secondMessage.Body.ToString(), secondMessage.MessageId), CancellationToken.None);
        var waiting = await app.Store.FindAsync(first.JobId!, CancellationToken.None);
        clock.SetUtcNow(waiting!.NextAttemptAt!.Value);
        var completed = await app.Processor.ProcessAsync(new JobDelivery(firstMessage.Body.ToString(), firstMessage.MessageId), CancellationToken.None);

        // Assert: the first owns the next window's slot, to the millisecond; the newcomer got the window after; the
        // first then ran in its slot with one call and one deferral, and the day counts exactly the calls and the hold.
        Assert.Equal((JobOutcome.Deferred, JobOutcome.Deferred, JobOutcome.Completed), (firstDeferred.Outcome, secondDeferred.Outcome, completed.Outcome));
        Assert.Equal((spent.SlotAt.AddMinutes(1), WaitReason.Spacing), (waiting.NextAttemptAt, waiting.WaitReason));
        var newcomer = await app.Store.FindAsync(second.JobId!, CancellationToken.None);
        Assert.Equal(spent.SlotAt.AddMinutes(2), newcomer!.NextAttemptAt);
        Assert.Equal(1, app.Simulator.ChatRequestCount);
        var state = await budget.ReadAsync(CancellationToken.None);
        Assert.Equal(3, state.DayUsed);
        Assert.Contains(state.Starts, s => s.At == spent.SlotAt.AddMinutes(1) && !s.Reserved);
        Assert.Contains(state.Starts, s => s.At == spent.SlotAt.AddMinutes(2) && s.Reserved);
    }

    [Fact]
    public async Task Run_CallWentOutLateAfterItsGrant_TheNextWindowsSlotIsCountedFromWhenItReallyWentOut()
    {
        // Arrange: one start a minute. The worker stalls for 600 ms between its grant and its call (a loaded machine,
        // a slow storage write): the account counts the call from when it arrives, not from the slot it was given.
        // The clock starts on a whole millisecond, as the budget's log keeps its starts.
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds()));
        await using var app = await TestApp.StartAsync(
            azurite,
            s =>
            {
                s["Budget:RequestsPerMinute"] = "1";
                s["Budget:WindowMargin"] = "00:00:00";
            },
            configureServices: services => services
                .AddSingleton<TimeProvider>(clock)
                .Replace(ServiceDescriptor.Singleton<IBudgetStore>(sp => new StallAfterFirstWrite(sp.GetRequiredService<TableBudgetStore>(), clock, TimeSpan.FromMilliseconds(600)))));
        var granted = clock.GetUtcNow();
        await app.SubmitAsync("""{"prompt":"granted, then late"}""");
        var first = await app.ProcessNextAsync();
        await app.SubmitAsync("""{"prompt":"the next window's"}""");

        // Act
        var second = await app.ProcessNextAsync();

        // Assert: the first call is counted from 600 ms after its slot, and the next slot is a whole window after that.
        Assert.Equal((JobOutcome.Completed, JobOutcome.Deferred), (first.Outcome, second.Outcome));
        var starts = (await app.Get<RequestBudget>().ReadAsync(CancellationToken.None)).Starts;
        var late = granted.AddMilliseconds(600);
        Assert.Equal([(late, false), (late.AddMinutes(1), true)], starts.Select(s => (s.At, s.Reserved)));
    }

    [Fact]
    public async Task Run_BatchItemAndDirectJob_TakeTheBulkAndTheInteractiveLane()
    {
        // Arrange: one batch item released to the queue, and one job submitted on its own.
        await using var app = await TestApp.StartAsync(azurite);
        await app.SubmitBatchAsync(BatchTestKit.Jsonl(1));
        await app.Get<BatchDispatcher>().DispatchAsync(CancellationToken.None);
        var item = await app.ProcessNextAsync();
        await app.SubmitAsync("""{"prompt":"on its own"}""");

        // Act
        var direct = await app.ProcessNextAsync();

        // Assert: the batch item's start is the bulk lane's, the direct job's the interactive lane's.
        Assert.Equal((JobOutcome.Completed, JobOutcome.Completed), (item.Outcome, direct.Outcome));
        var starts = (await app.Get<RequestBudget>().ReadAsync(CancellationToken.None)).Starts;
        Assert.Equal([(BudgetRules.HolderOf(item.JobId), true), (BudgetRules.HolderOf(direct.JobId), false)], starts.Select(s => (s.Holder, s.Bulk)));
    }

    [Fact]
    public async Task Run_AccountRefused401_PausesEveryJobInsteadOfFailingThem()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        var submitter = app.Get<JobSubmitter>();
        var firstJobId = await app.SubmitAsync("""{"prompt":"bad key [[sim:status=401]]"}""");
        await app.ProcessNextAsync();
        var second = await submitter.SubmitAsync("""{"prompt":"an innocent job"}""", JobSources.Http, CancellationToken.None);
        var secondMessage = await app.JobQueue().ReceiveOneAsync();

        // Act
        var result = await new ProcessJob(app.Processor).Run(secondMessage, CancellationToken.None);

        // Assert: the second job never reached the API; both wait, neither failed, and only the call made is counted.
        Assert.Equal(JobOutcome.Deferred, result.Outcome);
        Assert.Equal(1, app.Simulator.ChatRequestCount);
        var firstRecord = await app.Store.FindAsync(firstJobId, CancellationToken.None);
        var secondRecord = await app.Store.FindAsync(second.JobId!, CancellationToken.None);
        Assert.Equal((JobStatus.Waiting, WaitReason.AccountProblem, 1, 0), (firstRecord!.Status, firstRecord.WaitReason, firstRecord.Attempts, firstRecord.FailedCalls));
        Assert.Equal((JobStatus.Waiting, WaitReason.Paused, 0), (secondRecord!.Status, secondRecord.WaitReason, secondRecord.Attempts));
        var budget = await app.Get<RequestBudget>().ReadAsync(CancellationToken.None);
        Assert.Contains("HTTP 401", budget.PauseReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_OnlyModelsGiven_SendsTheFirstAsTheModelAndAFreeFallbackIsMetered()
    {
        // Arrange: today's one free request is spent; the job names a paid model first and a free one after it.
        await using var app = await TestApp.StartAsync(azurite, s => s["Budget:RequestsPerDay"] = "1");
        await app.SubmitAsync("""{"prompt":"the last free request of the day"}""");
        await app.ProcessNextAsync();
        var paidFirst = await app.SubmitAsync("""{"prompt":"paid first","models":["openai/gpt-oss-120b","openai/gpt-oss-20b:free"]}""");
        var paidOnly = await app.SubmitAsync("""{"prompt":"paid only","models":["openai/gpt-oss-120b","openai/gpt-oss-20b"]}""");

        // Act
        var results = await app.ProcessVisibleAsync();

        // Assert: the free fallback could spend a free request, so that job waits; the paid-only one runs.
        Assert.Contains(new JobProcessingResult(paidFirst, JobOutcome.Deferred), results);
        Assert.Contains(new JobProcessingResult(paidOnly, JobOutcome.Completed), results);
        var sent = app.Simulator.ReceivedBodies.Single(body => body.Contains("paid only", StringComparison.Ordinal));
        using var request = System.Text.Json.JsonDocument.Parse(sent);
        Assert.Equal("openai/gpt-oss-120b", request.RootElement.GetProperty("model").GetString());
        Assert.Equal(["openai/gpt-oss-20b"], request.RootElement.GetProperty("models").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal("openai/gpt-oss-120b", (await app.Store.FindAsync(paidOnly, CancellationToken.None))!.RequestedModel);
    }

    [Fact]
    public async Task Run_DailyLimitSpent_DefersToMidnightWithoutCallingTheApi()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite, s => s["Budget:RequestsPerDay"] = "1");
        var submitter = app.Get<JobSubmitter>();
        await app.SubmitAsync("""{"prompt":"the last request of the day"}""");
        await app.ProcessNextAsync();
        var late = await submitter.SubmitAsync("""{"prompt":"one too many"}""", JobSources.Http, CancellationToken.None);
        var message = await app.JobQueue().ReceiveOneAsync();

        // Act
        var result = await new ProcessJob(app.Processor).Run(message, CancellationToken.None);

        // Assert
        Assert.Equal(JobOutcome.Deferred, result.Outcome);
        Assert.Equal(1, app.Simulator.ChatRequestCount);
        var record = await app.Store.FindAsync(late.JobId!, CancellationToken.None);
        Assert.Equal((JobStatus.Waiting, WaitReason.DailyLimit, 0), (record!.Status, record.WaitReason, record.Attempts));
        Assert.True(record.NextAttemptAt >= BudgetRules.NextUtcMidnight(TimeProvider.System.GetUtcNow()));
    }

    [Fact]
    public async Task Run_PaidModel_IsNotMeteredByTheFreeTierBudget()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite, s => s["Budget:RequestsPerDay"] = "1");
        var submitter = app.Get<JobSubmitter>();
        for (var i = 0; i < 2; i++)
        {
            await submitter.SubmitAsync($$"""{"prompt":"paid {{i}}","model":"openai/gpt-oss-120b"}""", JobSources.Http, CancellationToken.None);
        }

        var messages = (await app.JobQueue().ReceiveMessagesAsync(2)).Value;

        // Act
        var results = new List<JobProcessingResult>();
        foreach (var message in messages)
        {
            results.Add(await new ProcessJob(app.Processor).Run(message, CancellationToken.None));
        }

        // Assert
        Assert.All(results, r => Assert.Equal(JobOutcome.Completed, r.Outcome));
        Assert.Equal(0, (await app.Get<RequestBudget>().ReadAsync(CancellationToken.None)).DayUsed);
    }

    /// <summary>Moves the clock on once, just after the first budget write succeeds: the worker stalls after its grant.</summary>
    private sealed class StallAfterFirstWrite(IBudgetStore inner, FakeTimeProvider clock, TimeSpan stall) : IBudgetStore
    {
        private int _stalled;

        public Task<(BudgetState State, string? Version)> ReadAsync(CancellationToken cancellationToken) => inner.ReadAsync(cancellationToken);

        public async Task<bool> TryWriteAsync(BudgetState state, string? version, CancellationToken cancellationToken)
        {
            var written = await inner.TryWriteAsync(state, version, cancellationToken);
            if (written && Interlocked.Exchange(ref _stalled, 1) == 0)
            {
                clock.Advance(stall);
            }

            return written;
        }
    }
}
