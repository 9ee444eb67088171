using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PromptQueue.Contracts;
using PromptQueue.Core.Batches;
using PromptQueue.Core.Budget;
using PromptQueue.Core.Processing;
using PromptQueue.Core.Storage;
using PromptQueue.Core.Submission;
using PromptQueue.Hosting.Worker;

namespace PromptQueue.Bench;

/// <summary>
/// PromptQueue's side of a run: <c>count</c> standalone hosts sharing one storage account, each with its own services
/// and a <see cref="JobQueueListener"/>; what they send to storage is counted, the benchmark's own polling is not.
/// </summary>
internal sealed class BenchHosts : IAsyncDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private readonly List<ServiceProvider> _hosts;
    private readonly TableClient _statusTable;
    private readonly TimeProvider _time = TimeProvider.System;

    public BenchHosts(IReadOnlyDictionary<string, string?> settings, int count)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var storage = settings["AzureWebJobsStorage"]!;
        _hosts = [.. Enumerable.Range(0, count).Select(_ => BenchServices.Build(settings, Deferrals, Operations))];

        // Not through the counted clients: reading the statuses is the benchmark's work, not the product's.
        _statusTable = new TableServiceClient(storage).GetTableClient(settings["PromptQueue:JobTable"]);
    }

    public DeferralCounter Deferrals { get; } = new();

    public StorageOperationCounter Operations { get; } = new();

    private IEnumerable<JobQueueListener> Listeners => _hosts.Select(host => host.GetRequiredService<JobQueueListener>());

    /// <summary>Creates the queue and the tables, as a host's start-up does (the benchmark runs no hosted services).</summary>
    public async Task CreateStorageAsync(CancellationToken cancellationToken)
    {
        var first = _hosts[0];

        // The batch table holds the daily usage every completed job is added to.
        await first.GetRequiredService<BatchStore>().EnsureCreatedAsync(cancellationToken);
        await first.GetRequiredService<JobStore>().EnsureCreatedAsync(cancellationToken);
        await first.GetRequiredService<JobQueueClient>().EnsureCreatedAsync(cancellationToken);
        await first.GetRequiredService<TableBudgetStore>().EnsureCreatedAsync(cancellationToken);
    }

    /// <summary>Submits the jobs as the HTTP API does, <paramref name="parallel"/> at a time.</summary>
    public async Task SubmitAsync(IEnumerable<string> jobs, int parallel, CancellationToken cancellationToken)
    {
        var submitter = _hosts[0].GetRequiredService<JobSubmitter>();
        await Parallel.ForEachAsync(
            jobs,
            new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = cancellationToken },
            async (job, ct) => await submitter.SubmitAsync(job, JobSources.Http, ct));
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var listener in Listeners)
        {
            await listener.StartAsync(cancellationToken);
        }
    }

    /// <summary>Waits until <paramref name="jobs"/> jobs are terminal or <paramref name="timeout"/> has passed; the statuses then.</summary>
    /// <remarks>One query over the job rows per poll, so a drain time read after it is at most one poll late.</remarks>
    public async Task<Dictionary<JobStatus, int>> WaitForTerminalAsync(int jobs, long startedAt, TimeSpan timeout, CancellationToken cancellationToken)
    {
        while (true)
        {
            var statuses = await CountStatusesAsync(cancellationToken);
            if (statuses.Where(s => s.Key.IsTerminal()).Sum(s => s.Value) >= jobs || _time.GetElapsedTime(startedAt) > timeout)
            {
                return statuses;
            }

            await Task.Delay(PollInterval, _time, cancellationToken);
        }
    }

    /// <summary>Each host stops as a host would, within the default shutdown timeout; a job in flight past it is handed back.</summary>
    public async Task StopAsync()
    {
        using var shutdown = new CancellationTokenSource(new HostOptions().ShutdownTimeout, _time);
        await Task.WhenAll(Listeners.Select(listener => listener.StopAsync(shutdown.Token)));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }

        Deferrals.Dispose();
    }

    private async Task<Dictionary<JobStatus, int>> CountStatusesAsync(CancellationToken cancellationToken)
    {
        var counts = new Dictionary<JobStatus, int>();
        await foreach (var row in _statusTable.QueryAsync<TableEntity>($"RowKey eq '{JobRecord.RowKeyValue}'", select: [nameof(JobRecord.Status)], cancellationToken: cancellationToken))
        {
            if (Enum.TryParse<JobStatus>(row.GetString(nameof(JobRecord.Status)), out var status))
            {
                counts[status] = counts.GetValueOrDefault(status) + 1;
            }
        }

        return counts;
    }
}
