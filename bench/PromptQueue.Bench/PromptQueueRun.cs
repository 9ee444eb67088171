using System.Globalization;
using PromptQueue.Contracts;
using PromptQueue.Core.Budget;
using PromptQueue.Hosting.Worker;
using PromptQueue.Simulator;

namespace PromptQueue.Bench;

/// <summary>
/// PromptQueue itself: <see cref="Workload.Instances"/> standalone hosts, each a <see cref="JobQueueListener"/> with
/// its default concurrency, pacing through one shared budget in Table storage.
/// </summary>
/// <remarks>
/// At real time (time scale 1) the product runs at its defaults: the budget is given the account's limits and
/// nothing else. At a faster scale the budget's window is one simulated minute, and every other duration the product
/// has a default for (the window margin, the longest inline wait, the deferral spread, the polling interval) is that
/// default divided by the time scale, so the product runs as it would against the real account, only faster. One
/// thing does not scale: queue visibility delays are whole seconds.
/// </remarks>
internal sealed class PromptQueueRun(Workload workload, string storage, string name)
{
    private readonly TimeProvider _time = TimeProvider.System;

    /// <summary>The settings that differ from the defaults: the account's limits and, when time is scaled, scaled durations.</summary>
    public static Dictionary<string, string?> Tuning(Workload workload)
    {
        ArgumentNullException.ThrowIfNull(workload);
        var tuning = new Dictionary<string, string?>
        {
            // The account's rule; the simulator tells X-RateLimit-Limit per real minute, which the budget turns back
            // into calls per its window.
            ["Budget:RequestsPerMinute"] = Text(workload.RequestsPerMinute),
            ["Budget:RequestsPerDay"] = Text(10_000_000),
        };
        if (workload.MinimumGap is { } gap)
        {
            tuning["Budget:MinimumGap"] = Text(gap);
        }

        if (workload.MaxInlineWait is { } inlineWait)
        {
            tuning["Budget:MaxInlineWait"] = Text(inlineWait);
        }

        if (workload.IsRealTime)
        {
            return tuning;
        }

        var budget = new BudgetOptions();
        var listener = new QueueListenerOptions();
        tuning["Budget:Window"] = Text(workload.SimulatedMinute);
        tuning["Budget:WindowMargin"] = Text(workload.Scaled(budget.WindowMargin));
        tuning.TryAdd("Budget:MaxInlineWait", Text(workload.Scaled(budget.MaxInlineWait)));
        tuning["Budget:DeferralSpread"] = Text(workload.Scaled(budget.DeferralSpread));

        // The listener refuses less than 50 ms.
        tuning["PromptQueue:Listener:MaxPollingInterval"] = Text(Max(workload.Scaled(listener.MaxPollingInterval), TimeSpan.FromMilliseconds(50)));
        return tuning;
    }

    /// <summary>Drains the backlog: every job submitted before the hosts start.</summary>
    public async Task<RunResult> RunAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var simulator = await OpenRouterSimulator.StartAsync(workload.Simulator(), cancellationToken);
        var suffix = BenchServices.NewSuffix();
        await using var hosts = new BenchHosts(Settings(simulator, suffix), workload.Instances);
        await hosts.CreateStorageAsync(cancellationToken);
        await hosts.SubmitAsync(Enumerable.Range(0, workload.Jobs).Select(i => Workload.Job(suffix, i)), parallel: 12, cancellationToken);

        var before = hosts.Operations.Snapshot();
        var started = _time.GetTimestamp();
        await hosts.StartAsync(cancellationToken);
        var statuses = await hosts.WaitForTerminalAsync(workload.Jobs, started, timeout, cancellationToken);
        var wall = _time.GetElapsedTime(started);
        await hosts.StopAsync();

        var poisoned = statuses.GetValueOrDefault(JobStatus.DeadLettered);
        var failed = statuses.GetValueOrDefault(JobStatus.Failed) + statuses.GetValueOrDefault(JobStatus.Rejected);
        return new RunResult(
            name, workload, statuses.GetValueOrDefault(JobStatus.Completed), poisoned, failed,
            simulator.ChatRequestCount, simulator.AdmittedCount, simulator.RateLimitedCount, simulator.MaxAdmittedInAnyMinute, wall)
        {
            Deferrals = hosts.Deferrals.Count,
            MostDeferralsOfOneJob = hosts.Deferrals.MostForOneJob,
            DeferralLog = hosts.Deferrals.Deferrals,
            MaxAdmittedInAnySlidingMinute = simulator.MaxAdmittedInAnySlidingMinute,
            Admissions = new AdmissionTimeline(simulator.AdmittedAt),
            StorageOperations = StorageOperationCounter.Since(hosts.Operations.Snapshot(), before),
        };
    }

    /// <summary>
    /// A burst on an idle account: a fresh account and budget, hosts already running and idle, then
    /// <see cref="Workload.Burst"/> jobs submitted at once. The account's rule lets them all start together.
    /// </summary>
    /// <returns>When the account admitted each of their calls; null when they did not all finish in time.</returns>
    public async Task<AdmissionTimeline?> RunBurstAsync(CancellationToken cancellationToken)
    {
        await using var simulator = await OpenRouterSimulator.StartAsync(workload.Simulator(), cancellationToken);
        var suffix = BenchServices.NewSuffix();
        await using var hosts = new BenchHosts(Settings(simulator, suffix), workload.Instances);
        await hosts.CreateStorageAsync(cancellationToken);
        await hosts.StartAsync(cancellationToken);

        // Long enough for both hosts to have found the queue empty and settled into their idle polling.
        await Task.Delay(TimeSpan.FromSeconds(3), _time, cancellationToken);
        var submitted = _time.GetTimestamp();
        await hosts.SubmitAsync(Enumerable.Range(0, workload.Burst).Select(i => Workload.Job(suffix, i)), parallel: workload.Burst, cancellationToken);
        var statuses = await hosts.WaitForTerminalAsync(workload.Burst, submitted, TimeSpan.FromMinutes(2), cancellationToken);
        await hosts.StopAsync();
        return statuses.GetValueOrDefault(JobStatus.Completed) == workload.Burst ? new AdmissionTimeline(simulator.AdmittedAt) : null;
    }

    private Dictionary<string, string?> Settings(OpenRouterSimulator simulator, string suffix)
    {
        var settings = BenchServices.Settings(storage, simulator, suffix);
        foreach (var (key, value) in Tuning(workload))
        {
            settings[key] = value;
        }

        return settings;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Text(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);
}
