using System.Globalization;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using PromptQueue.Contracts;
using PromptQueue.Simulator;

namespace PromptQueue.Bench;

/// <summary>
/// PromptQueue's overhead against the storage ceiling, on one Azurite: how fast the storage account can do one job's
/// least possible work, and how fast PromptQueue drains the same number of jobs when the model costs nothing.
/// </summary>
/// <remarks>
/// The least possible work of a job that arrives on a queue and leaves a result: send its message, receive it, write
/// one row, delete the message. The ceiling does exactly that, at the listener's concurrency (each host keeps
/// host.json's batchSize + newBatchThreshold, 6, in hand), with a client per host. PromptQueue then submits the jobs as
/// the HTTP API does, at the same concurrency, and its hosts drain them against a simulator that answers at once, on a
/// paid model, which the budget does not meter: no pacing, no latency, only PromptQueue's own work.
/// </remarks>
internal sealed class StorageCeilingRun(Workload workload, string storage)
{
    /// <summary>Not metered by the budget and never rate-limited by the simulator.</summary>
    public const string PaidModel = "openai/gpt-oss-120b";

    /// <summary>host.json's batchSize (1 by default here) + newBatchThreshold, as <see cref="PromptQueue.Hosting.Worker.QueueListenerOptions"/> reads them.</summary>
    private const int ConcurrencyPerHost = 6;

    private readonly TimeProvider _time = TimeProvider.System;

    private int Concurrency => workload.Instances * ConcurrencyPerHost;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Console.WriteLine(
            $"Storage ceiling: {workload.Jobs} jobs, {workload.Instances} hosts x {ConcurrencyPerHost} at once, one Azurite; " +
            $"PromptQueue on {PaidModel} (not metered), a simulator answering at once.");
        var (ceilingTime, ceilingOperations) = await RunCeilingAsync(cancellationToken);
        Console.WriteLine($"  ceiling: {workload.Jobs} jobs in {ceilingTime.TotalSeconds:0.0} s");
        var (submitTime, drainTime, submitOperations, drainOperations, completed) = await RunPromptQueueAsync(cancellationToken);
        Console.WriteLine($"  PromptQueue: {completed} of {workload.Jobs} completed; submitted in {submitTime.TotalSeconds:0.0} s, drained in {drainTime.TotalSeconds:0.0} s");

        var ceilingRate = workload.Jobs / ceilingTime.TotalSeconds;
        var promptQueueRate = completed / (submitTime + drainTime).TotalSeconds;
        var drainRate = completed / drainTime.TotalSeconds;
        Console.WriteLine();
        Console.Write(ResultTable.Render(
        [
            ["metric", "storage ceiling", "PromptQueue", "PromptQueue / ceiling"],
            ["jobs", Text(workload.Jobs), Text(completed), ""],
            ["time (s): submit + drain", Text(ceilingTime.TotalSeconds), $"{Text(submitTime.TotalSeconds)} + {Text(drainTime.TotalSeconds)}", ""],
            ["jobs per second, end to end", Text(ceilingRate), Text(promptQueueRate), Text(promptQueueRate / ceilingRate)],
            ["jobs per second, drain alone (jobs submitted beforehand)", "", Text(drainRate), ""],
            ["storage operations per job", Text(PerJob(ceilingOperations.Values.Sum())), Text(PerJob(submitOperations.Values.Sum() + drainOperations.Values.Sum())), ""],
        ]));
        Console.WriteLine();
        Console.WriteLine("Storage operations per job, by kind:");
        Console.Write(Breakdown(ceilingOperations, submitOperations, drainOperations));
    }

    /// <summary>
    /// One job's least work, <see cref="Concurrency"/> at a time: send, receive, one row, delete. The ceiling counts its
    /// own requests the same way PromptQueue's are counted, with a client per host.
    /// </summary>
    private async Task<(TimeSpan Time, IReadOnlyDictionary<string, int> Operations)> RunCeilingAsync(CancellationToken cancellationToken)
    {
        var suffix = BenchServices.NewSuffix();
        var counter = new StorageOperationCounter();
        var hosts = Enumerable.Range(0, workload.Instances)
            .Select(_ => (Queue: counter.Queues(storage).GetQueueClient("ceiling-" + suffix), Table: counter.Tables(storage).GetTableClient("Ceiling" + suffix)))
            .ToList();
        await hosts[0].Queue.CreateAsync(cancellationToken: cancellationToken);
        await hosts[0].Table.CreateAsync(cancellationToken);
        var before = counter.Snapshot();
        var next = -1;
        var started = _time.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(worker => Task.Run(
            async () =>
            {
                var (queue, table) = hosts[worker % hosts.Count];
                for (var job = Interlocked.Increment(ref next); job < workload.Jobs; job = Interlocked.Increment(ref next))
                {
                    await DoLeastWorkAsync(queue, table, Workload.Job(suffix, job), cancellationToken);
                }
            },
            cancellationToken)));
        return (_time.GetElapsedTime(started), StorageOperationCounter.Since(counter.Snapshot(), before));
    }

    private static async Task DoLeastWorkAsync(QueueClient queue, TableClient table, string job, CancellationToken cancellationToken)
    {
        await queue.SendMessageAsync(job, cancellationToken);
        while (true)
        {
            // Any job's message will do: the queue hands out whichever is at its head.
            var received = (await queue.ReceiveMessagesAsync(1, TimeSpan.FromMinutes(10), cancellationToken)).Value;
            if (received.Length == 0)
            {
                continue;
            }

            var message = received[0];
            var row = new TableEntity(message.MessageId, "job") { ["Status"] = nameof(JobStatus.Completed), ["Answer"] = "7" };
            await table.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken);
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
            return;
        }
    }

    private async Task<(TimeSpan Submit, TimeSpan Drain, IReadOnlyDictionary<string, int> SubmitOperations, IReadOnlyDictionary<string, int> DrainOperations, int Completed)> RunPromptQueueAsync(CancellationToken cancellationToken)
    {
        await using var simulator = await OpenRouterSimulator.StartAsync(new SimulatorOptions { RequestsPerMinute = 1_000_000, RequestsPerDay = 1_000_000_000 }, cancellationToken);
        var suffix = BenchServices.NewSuffix();
        var settings = BenchServices.Settings(storage, simulator, suffix);
        settings["OpenRouter:DefaultModel"] = PaidModel;
        await using var hosts = new BenchHosts(settings, workload.Instances);
        await hosts.CreateStorageAsync(cancellationToken);

        var beforeSubmit = hosts.Operations.Snapshot();
        var submitting = _time.GetTimestamp();
        await hosts.SubmitAsync(Enumerable.Range(0, workload.Jobs).Select(i => Workload.Job(suffix, i)), Concurrency, cancellationToken);
        var submitTime = _time.GetElapsedTime(submitting);

        var beforeDrain = hosts.Operations.Snapshot();
        var draining = _time.GetTimestamp();
        await hosts.StartAsync(cancellationToken);
        var statuses = await hosts.WaitForTerminalAsync(workload.Jobs, draining, TimeSpan.FromMinutes(30), cancellationToken);
        var drainTime = _time.GetElapsedTime(draining);
        var afterDrain = hosts.Operations.Snapshot();
        await hosts.StopAsync();
        return (
            submitTime, drainTime,
            StorageOperationCounter.Since(beforeDrain, beforeSubmit), StorageOperationCounter.Since(afterDrain, beforeDrain),
            statuses.GetValueOrDefault(JobStatus.Completed));
    }

    private string Breakdown(IReadOnlyDictionary<string, int> ceiling, IReadOnlyDictionary<string, int> submit, IReadOnlyDictionary<string, int> drain)
    {
        var kinds = ceiling.Keys.Concat(submit.Keys).Concat(drain.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
        var rows = new List<string[]> { BreakdownHeader };
        rows.AddRange(kinds.Select(kind => new[] { kind, Cell(ceiling, kind), Cell(submit, kind), Cell(drain, kind) }));
        rows.Add(["total", Text(PerJob(ceiling.Values.Sum())), Text(PerJob(submit.Values.Sum())), Text(PerJob(drain.Values.Sum()))]);
        return ResultTable.Render(rows);

        string Cell(IReadOnlyDictionary<string, int> counts, string kind) => counts.TryGetValue(kind, out var count) ? Text(PerJob(count)) : "";
    }

    private static readonly string[] BreakdownHeader = ["operation", "storage ceiling", "PromptQueue submit", "PromptQueue drain"];

    private double PerJob(int count) => (double)count / workload.Jobs;

    private static string Text(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);
}
