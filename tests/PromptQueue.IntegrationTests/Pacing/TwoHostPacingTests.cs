using System.Globalization;
using System.Net;
using System.Text;
using Azure.Storage.Queues;
using PromptQueue.Contracts;
using PromptQueue.Core.Budget;
using PromptQueue.Core.Processing;
using PromptQueue.Core.Storage;
using PromptQueue.Core.Submission;
using PromptQueue.IntegrationTests.Infrastructure;
using PromptQueue.Simulator;
using Xunit.Abstractions;

namespace PromptQueue.IntegrationTests.Pacing;

/// <summary>
/// Two standalone hosts drain one job queue against one Azurite and one simulated OpenRouter account, pacing
/// themselves through the one shared budget in Table storage.
/// </summary>
/// <remarks>
/// Time is scaled so that the tests take seconds. The simulator counts admitted calls in fixed windows of one
/// simulated minute, aligned to whole simulated minutes (<c>WindowCounter</c>); simulated time runs
/// <see cref="TimeScale"/> times faster than the real clock from the moment the simulator starts
/// (<c>SimulatedClock</c>). So one window is 60 s / 30 = 2 real seconds, at an arbitrary phase relative to the hosts'
/// clock. The budget is configured with the same limit over a window of that length (<c>Budget:Window</c>) and
/// paces by the real clock: its sliding window has to keep every fixed one, wherever it falls, at or below the limit.
/// The simulator reports <c>X-RateLimit-Limit</c> per real minute (20 × 30 = 600), which the budget turns back into
/// calls per its window.
/// </remarks>
[Collection(AzuriteTests.Name)]
public sealed class TwoHostPacingTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    /// <summary>The simulated account's limit: calls per simulated minute, as on OpenRouter's free tier.</summary>
    private const int AccountLimit = 20;

    /// <summary>A simulated minute lasts 2 real seconds.</summary>
    private const double TimeScale = 30;

    /// <summary>One simulated minute on the real clock.</summary>
    private const string Window = "00:00:02";

    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(45);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>The simulated account: <see cref="AccountLimit"/> calls per simulated minute, time scaled, no daily cap in the way.</summary>
    private static Task<OpenRouterSimulator> StartAccountAsync(double timeScale = TimeScale) => OpenRouterSimulator.StartAsync(new SimulatorOptions
    {
        RequestsPerMinute = AccountLimit,
        RequestsPerDay = 100_000,
        TimeScale = timeScale,
    });

    [Fact]
    public async Task RunAsync_TwoHostsSharingOneBudget_NeverExceedTheAccountLimit()
    {
        // Arrange
        const int jobCount = 60;
        await using var simulator = await StartAccountAsync();
        // Twenty may start in any 2.2 s. A call that goes out more than 100 ms after its slot (a loaded machine, a
        // slow write before the call) is counted from when it went out, and the calls granted a window after it wait
        // as much longer; calls late by less differ by less than the margin. So a fixed 2 s window of the simulator sees
        // 21 only if the budget learns of a late call after the call twenty after it has started, two seconds on. MaxInlineWait is scaled down so that most slots are
        // too far off to wait for: those jobs reserve their slot, are re-queued, and come back to it, exercising
        // deferral as well.
        var settings = SharedSettings(simulator, new Dictionary<string, string?>
        {
            ["Budget:RequestsPerMinute"] = AccountLimit.ToString(CultureInfo.InvariantCulture),
            ["Budget:Window"] = Window,
            ["Budget:WindowMargin"] = "00:00:00.200",
            ["Budget:MaxInlineWait"] = "00:00:00.300",
            ["Budget:DeferralSpread"] = "00:00:00.200",
        });
        await using var hostA = await PacingHost.CreateAsync(settings);
        await using var hostB = await PacingHost.CreateAsync(settings);
        var jobIds = await SubmitAsync(hostA, jobCount);

        // Act
        await hostA.StartAsync();
        await hostB.StartAsync();
        var records = await WaitUntilTerminalAsync(hostA.Get<JobStore>(), jobIds, simulator);
        Report(simulator, hostA, hostB);
        await hostA.StopAsync();
        await hostB.StopAsync();

        // Assert
        Assert.All(records, record => Assert.Equal(JobStatus.Completed, record.Status));
        Assert.All(records, record => Assert.Equal(1, record.Attempts));
        Assert.Equal(0, simulator.RateLimitedCount);
        Assert.InRange(simulator.MaxAdmittedInAnyMinute, 1, AccountLimit);
        Assert.Equal(jobCount, simulator.ChatRequestCount);
        Assert.Equal(jobCount, hostA.Events.Completed + hostB.Events.Completed);
        Assert.True(hostA.Events.Completed > 0 && hostB.Events.Completed > 0, $"both hosts should have worked: A completed {hostA.Events.Completed}, B {hostB.Events.Completed}");
        Assert.Equal(0, await PoisonMessageCountAsync(settings));
    }

    [Fact]
    public async Task RunAsync_BudgetConfiguredAboveTheAccountLimit_LearnsFromThe429sCountingEveryCallAndFailingNone()
    {
        // Arrange: an account of 5 calls per simulated minute (2 real seconds), a budget of ten times as many, and
        // twelve calls in flight at once. The simulator holds every call until eleven have arrived and then admits
        // them together; even if a window ends among them, one window gets at least six of eleven, so a 429 is
        // certain however fast or slow the machine is, and the hosts must learn the account's real rate from it.
        const int jobCount = 20;
        const int accountLimit = 5;
        const int learnedPerWindow = accountLimit;
        await using var simulator = await OpenRouterSimulator.StartAsync(new SimulatorOptions
        {
            RequestsPerMinute = accountLimit,
            RequestsPerDay = 100_000,
            TimeScale = TimeScale,
        });
        var settings = SharedSettings(simulator, new Dictionary<string, string?>
        {
            ["Budget:RequestsPerMinute"] = (10 * accountLimit).ToString(CultureInfo.InvariantCulture),
            ["Budget:Window"] = Window,
            ["Budget:WindowMargin"] = "00:00:00.100",
            ["Budget:DeferralSpread"] = "00:00:00.500",
            ["PromptQueue:Listener:Concurrency"] = "6",
        });
        await using var hostA = await PacingHost.CreateAsync(settings);
        await using var hostB = await PacingHost.CreateAsync(settings);
        var jobIds = await SubmitAsync(hostA, jobCount);
        simulator.HoldResponses();

        // Act
        await hostA.StartAsync();
        await hostB.StartAsync();
        await WaitUntilAsync(() => simulator.InFlightCount >= 11, "eleven calls are in flight");
        simulator.ReleaseResponses();
        var records = await WaitUntilTerminalAsync(hostA.Get<JobStore>(), jobIds, simulator);
        Report(simulator, hostA, hostB);
        await hostA.StopAsync();
        await hostB.StopAsync();

        // Assert
        Assert.True(simulator.RateLimitedCount >= 1, "a budget set above the account's limit should have met a platform 429");
        Assert.All(records, record => Assert.Equal(JobStatus.Completed, record.Status));
        Assert.Equal(simulator.ChatRequestCount, records.Sum(record => record.Attempts));
        Assert.All(records, record => Assert.Equal(0, record.FailedCalls));
        Assert.Equal(jobCount, simulator.AdmittedCount);
        Assert.Equal(jobCount + simulator.RateLimitedCount, simulator.ChatRequestCount);
        Assert.Equal(0, await PoisonMessageCountAsync(settings));
        var budget = await hostB.Get<RequestBudget>().ReadAsync(CancellationToken.None);
        Assert.Equal(learnedPerWindow, budget.LearnedRequestsPerMinute);
        Assert.NotNull(budget.BlockedUntil);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var time = TimeProvider.System;
        var started = time.GetTimestamp();
        while (!condition())
        {
            Assert.True(time.GetElapsedTime(started) < DrainTimeout, $"never came true: {what}");
            await Task.Delay(TimeSpan.FromMilliseconds(20), time);
        }
    }

    [Fact]
    public async Task RunAsync_AnotherAppSpentTheWindowsQuota_JobsWaitForTheResetCountingEveryCallAndFailingNone()
    {
        // Arrange
        const int jobCount = 5;
        // Windows of 10 real seconds: the other app leaves at least 5 s of its spent window, time enough for the hosts'
        // first calls to reach it however loaded the machine is.
        const int budgetRequestsPerMinute = 2 * AccountLimit;
        await using var simulator = await StartAccountAsync(timeScale: 6);
        // The 429s tell the limit per real minute (120), which the budget learns per its window (20); a handful of
        // jobs is enough.
        var settings = SharedSettings(simulator, new Dictionary<string, string?>
        {
            ["Budget:RequestsPerMinute"] = budgetRequestsPerMinute.ToString(CultureInfo.InvariantCulture),
            ["Budget:Window"] = "00:00:10",
            ["Budget:WindowMargin"] = "00:00:00.100",
            ["Budget:DeferralSpread"] = "00:00:00.500",
        });
        await using var hostA = await PacingHost.CreateAsync(settings);
        await using var hostB = await PacingHost.CreateAsync(settings);
        await hostA.StartAsync();
        await hostB.StartAsync();
        // Another app on the same account has just spent this window's quota, so the hosts' first calls are
        // refused whatever the phase of the simulator's windows: the test does not depend on timing luck.
        var otherApp = await SpendCurrentWindowAsync(simulator, minimumRemaining: TimeSpan.FromSeconds(5));

        // Act
        var jobIds = await SubmitAsync(hostA, jobCount);
        var records = await WaitUntilTerminalAsync(hostA.Get<JobStore>(), jobIds, simulator);
        Report(simulator, hostA, hostB);
        output.WriteLine($"of which the other app: {otherApp.Calls} calls, {otherApp.RateLimited} platform 429s");
        await hostA.StopAsync();
        await hostB.StopAsync();

        // Assert
        var hostCalls = simulator.ChatRequestCount - otherApp.Calls;
        var host429s = simulator.RateLimitedCount - otherApp.RateLimited;
        Assert.True(host429s >= 1, "the hosts should have been refused with a platform 429 at least once");
        Assert.All(records, record => Assert.Equal(JobStatus.Completed, record.Status));
        Assert.Equal(hostCalls, records.Sum(record => record.Attempts));
        Assert.All(records, record => Assert.Equal(0, record.FailedCalls));
        Assert.Equal(jobCount + host429s, hostCalls);
        Assert.Equal(0, await PoisonMessageCountAsync(settings));
        var budget = await hostB.Get<RequestBudget>().ReadAsync(CancellationToken.None);
        Assert.NotNull(budget.BlockedUntil);
        Assert.InRange(budget.LearnedRequestsPerMinute ?? int.MaxValue, 1, budgetRequestsPerMinute - 1);
    }

    private Dictionary<string, string?> SharedSettings(OpenRouterSimulator simulator, Dictionary<string, string?> budget)
    {
        var suffix = Guid.NewGuid().ToString("N")[..12];
        var settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["PromptQueue:JobQueue"] = "pace-" + suffix,
            ["PromptQueue:JobTable"] = "Pace" + suffix,
            ["PromptQueue:RetryBaseDelay"] = "00:00:01",
            ["PromptQueue:Listener:Concurrency"] = "4",
            ["PromptQueue:Listener:MaxPollingInterval"] = "00:00:00.200",
            ["Budget:Table"] = "PaceBudget" + suffix,
            ["Budget:RequestsPerDay"] = "100000",
            ["OpenRouter:BaseUrl"] = simulator.BaseUrl.ToString(),
        };
        foreach (var (key, value) in budget)
        {
            settings[key] = value;
        }

        return settings;
    }

    private static async Task<List<string>> SubmitAsync(PacingHost host, int count)
    {
        var submitter = host.Get<JobSubmitter>();
        var jobIds = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var submission = await submitter.SubmitAsync($$"""{"prompt":"Pacing job {{i}}: name a prime."}""", JobSources.Http, CancellationToken.None);
            Assert.True(submission.Accepted, string.Join("; ", submission.Errors));
            jobIds.Add(submission.JobId!);
        }

        return jobIds;
    }

    /// <summary>Polls the job records until every job is finished, failing with their states past the timeout.</summary>
    private static async Task<List<JobRecord>> WaitUntilTerminalAsync(JobStore store, List<string> jobIds, OpenRouterSimulator simulator)
    {
        var time = TimeProvider.System;
        var started = time.GetTimestamp();
        var finished = new Dictionary<string, JobRecord>();
        var pending = new Dictionary<string, JobStatus?>();
        while (true)
        {
            pending.Clear();
            foreach (var jobId in jobIds.Where(id => !finished.ContainsKey(id)))
            {
                var record = await store.FindAsync(jobId, CancellationToken.None);
                if (record is { } found && found.Status.IsTerminal())
                {
                    finished[jobId] = found;
                }
                else
                {
                    pending[jobId] = record?.Status;
                }
            }

            if (pending.Count == 0)
            {
                return jobIds.Select(id => finished[id]).ToList();
            }

            if (time.GetElapsedTime(started) > DrainTimeout)
            {
                Assert.Fail(
                    $"{pending.Count} of {jobIds.Count} jobs unfinished after {DrainTimeout} (simulator: {simulator.ChatRequestCount} calls, " +
                    $"{simulator.RateLimitedCount} platform 429s, at most {simulator.MaxAdmittedInAnyMinute} admitted in one window): " +
                    string.Join(", ", pending.Select(p => $"{p.Key}={p.Value}")));
            }

            await Task.Delay(PollInterval, time);
        }
    }

    private void Report(OpenRouterSimulator simulator, PacingHost hostA, PacingHost hostB) => output.WriteLine(
        $"simulator: {simulator.ChatRequestCount} calls, {simulator.AdmittedCount} admitted, {simulator.RateLimitedCount} platform 429s, " +
        $"at most {simulator.MaxAdmittedInAnyMinute} admitted in one window; host A completed {hostA.Events.Completed} and deferred {hostA.Events.Deferred} times, " +
        $"host B completed {hostB.Events.Completed} and deferred {hostB.Events.Deferred} times");

    private static async Task<int> PoisonMessageCountAsync(Dictionary<string, string?> settings)
    {
        var poison = new QueueClient(settings["AzureWebJobsStorage"], settings["PromptQueue:JobQueue"] + "-poison");
        return (await poison.GetPropertiesAsync()).Value.ApproximateMessagesCount;
    }

    /// <summary>What the other app's calls cost the account, so the hosts' own calls can be told apart.</summary>
    private sealed record OtherAppUsage(int Calls, int RateLimited);

    /// <summary>
    /// Calls the simulator directly, as another app with the same key would, until it answers with a platform 429
    /// whose window still has at least a second to run (the window's reset is read from the 429, not guessed).
    /// </summary>
    private static async Task<OtherAppUsage> SpendCurrentWindowAsync(OpenRouterSimulator simulator, TimeSpan minimumRemaining)
    {
        var time = TimeProvider.System;
        var started = time.GetTimestamp();
        using var http = new HttpClient { BaseAddress = simulator.BaseUrl };
        var calls = 0;
        var rateLimited = 0;
        while (time.GetElapsedTime(started) < DrainTimeout)
        {
            using var body = new StringContent("""{"model":"openai/gpt-oss-120b:free","messages":[{"role":"user","content":"another app"}]}""", Encoding.UTF8, "application/json");
            using var response = await http.PostAsync(new Uri("chat/completions", UriKind.Relative), body);
            calls++;
            if (response.StatusCode != HttpStatusCode.TooManyRequests)
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                continue;
            }

            rateLimited++;
            var reset = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(response.Headers.GetValues("X-RateLimit-Reset").Single(), CultureInfo.InvariantCulture));
            var remaining = reset - time.GetUtcNow();
            if (remaining >= minimumRemaining)
            {
                return new OtherAppUsage(calls, rateLimited);
            }

            // Too close to the reset: let this window end and fill the next one instead.
            await Task.Delay(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, time);
        }

        throw new TimeoutException("The simulator's window could not be filled in time.");
    }
}
