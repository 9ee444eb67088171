using System.Globalization;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PromptQueue.Contracts;
using PromptQueue.Core.Budget;
using PromptQueue.Core.Processing;
using PromptQueue.Core.Storage;
using PromptQueue.Core.Submission;
using PromptQueue.Hosting.Worker;
using PromptQueue.Simulator;

namespace PromptQueue.Bench;

/// <summary>
/// PromptQueue itself: <see cref="Workload.Instances"/> standalone hosts, each a <see cref="JobQueueListener"/> with
/// its default concurrency, pacing through one shared budget in Table storage.
/// </summary>
/// <remarks>
/// The budget is configured with the account's real limit, R per simulated minute, expressed per real minute (the
/// product paces by the real clock and knows nothing of the scaling). Every other duration the product has a default
/// for (the spacing margin, the longest inline wait, the deferral spread, the polling interval) is that default
/// divided by the time scale, so the product runs exactly as it would against the real account, only faster.
/// One thing does not scale: queue visibility delays are whole seconds.
/// </remarks>
internal sealed class PromptQueueRun(Workload workload, string storage, string name)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private readonly TimeProvider _time = TimeProvider.System;

    /// <summary>The settings that differ from the defaults: the account's rate in real time, and scaled durations.</summary>
    public static Dictionary<string, string?> Tuning(Workload workload)
    {
        ArgumentNullException.ThrowIfNull(workload);
        var budget = new BudgetOptions();
        var listener = new QueueListenerOptions();
        return new Dictionary<string, string?>
        {
            // The account's rule over one simulated minute; the simulator tells X-RateLimit-Limit per real minute,
            // which the budget turns back into calls per its window.
            ["Budget:RequestsPerMinute"] = Text(workload.RequestsPerMinute),
            ["Budget:Window"] = Text(workload.SimulatedMinute),
            ["Budget:RequestsPerDay"] = Text(10_000_000),
            ["Budget:WindowMargin"] = Text(workload.Scaled(budget.WindowMargin)),
            ["Budget:MaxInlineWait"] = Text(workload.MaxInlineWait ?? workload.Scaled(budget.MaxInlineWait)),
            ["Budget:DeferralSpread"] = Text(workload.Scaled(budget.DeferralSpread)),
            // The listener refuses less than 50 ms.
            ["PromptQueue:Listener:MaxPollingInterval"] = Text(Max(workload.Scaled(listener.MaxPollingInterval), TimeSpan.FromMilliseconds(50))),
        };
    }

    public async Task<RunResult> RunAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var simulator = await OpenRouterSimulator.StartAsync(workload.Simulator(), cancellationToken);
        var suffix = BenchServices.NewSuffix();
        var settings = BenchServices.Settings(storage, simulator, suffix);
        foreach (var (key, value) in Tuning(workload))
        {
            settings[key] = value;
        }

        using var deferrals = new DeferralCounter();
        var hosts = Enumerable.Range(0, workload.Instances).Select(_ => BenchServices.Build(settings, deferrals)).ToList();
        try
        {
            var first = hosts[0];
            await first.GetRequiredService<JobStore>().EnsureCreatedAsync(cancellationToken);
            await first.GetRequiredService<JobQueueClient>().EnsureCreatedAsync(cancellationToken);
            await first.GetRequiredService<TableBudgetStore>().EnsureCreatedAsync(cancellationToken);
            var submitter = first.GetRequiredService<JobSubmitter>();
            for (var i = 0; i < workload.Jobs; i++)
            {
                await submitter.SubmitAsync(Workload.Job(suffix, i), JobSources.Http, cancellationToken);
            }

            var started = _time.GetTimestamp();
            var listeners = hosts.Select(host => host.GetRequiredService<JobQueueListener>()).ToList();
            foreach (var listener in listeners)
            {
                await listener.StartAsync(cancellationToken);
            }

            var table = first.GetRequiredService<TableServiceClient>().GetTableClient(settings["PromptQueue:JobTable"]);
            Dictionary<JobStatus, int> statuses;
            while (true)
            {
                statuses = await CountStatusesAsync(table, cancellationToken);
                var terminal = statuses.Where(s => s.Key.IsTerminal()).Sum(s => s.Value);
                if (terminal >= workload.Jobs || _time.GetElapsedTime(started) > timeout)
                {
                    break;
                }

                await Task.Delay(PollInterval, _time, cancellationToken);
            }

            var wall = _time.GetElapsedTime(started);

            // Each host stops as a host would, within the default shutdown timeout; a job in flight past it is handed back.
            using (var shutdown = new CancellationTokenSource(new HostOptions().ShutdownTimeout, _time))
            {
                await Task.WhenAll(listeners.Select(listener => listener.StopAsync(shutdown.Token)));
            }

            var poisoned = statuses.GetValueOrDefault(JobStatus.DeadLettered);
            var failed = statuses.GetValueOrDefault(JobStatus.Failed) + statuses.GetValueOrDefault(JobStatus.Rejected);
            return new RunResult(
                name, workload, statuses.GetValueOrDefault(JobStatus.Completed), poisoned, failed,
                simulator.ChatRequestCount, simulator.AdmittedCount, simulator.RateLimitedCount, simulator.MaxAdmittedInAnyMinute, wall)
            {
                Deferrals = deferrals.Count,
            };
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.DisposeAsync();
            }
        }
    }

    /// <summary>One query over the job rows; the wall time therefore overstates the drain by at most one poll.</summary>
    private static async Task<Dictionary<JobStatus, int>> CountStatusesAsync(TableClient table, CancellationToken cancellationToken)
    {
        var counts = new Dictionary<JobStatus, int>();
        await foreach (var row in table.QueryAsync<TableEntity>($"RowKey eq '{JobRecord.RowKeyValue}'", select: [nameof(JobRecord.Status)], cancellationToken: cancellationToken))
        {
            if (Enum.TryParse<JobStatus>(row.GetString(nameof(JobRecord.Status)), out var status))
            {
                counts[status] = counts.GetValueOrDefault(status) + 1;
            }
        }

        return counts;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Text(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);
}
