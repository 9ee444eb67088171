using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using PromptQueue.Cli.Local;
using PromptQueue.Simulator;
using PromptQueue.Soak;

// Soak: N jobs through two `promptq work` child processes while the simulator injects 5xx, mid-stream errors and
// hangs. See bench/README.md.
var options = SoakOptions.Parse(args);
var suffix = Guid.NewGuid().ToString("N")[..8];
const string Model = "openai/gpt-oss-120b"; // a paid model: neither the shared budget nor the simulator's free tier throttles it

await using var azurite = await AzuriteProcess.StartAsync(dataDirectory: null, blobPort: 0, queuePort: 0, tablePort: 0, CancellationToken.None);
await using var simulator = await OpenRouterSimulator.StartAsync(new SimulatorOptions
{
    ServerErrorRate = options.ServerErrorRate,
    MidStreamErrorRate = options.MidStreamErrorRate,
    HangRate = options.HangRate,
    Seed = options.Seed,
    RequestsPerMinute = 1_000_000,
    RequestsPerDay = 100_000_000,
});

var environment = new Dictionary<string, string>
{
    ["AzureWebJobsStorage"] = azurite.ConnectionString,
    ["PromptQueue__JobQueue"] = "soak-" + suffix,
    ["PromptQueue__JobTable"] = "Soak" + suffix,
    ["Budget__Table"] = "SoakBudget" + suffix,
    ["Budget__RequestsPerMinute"] = "10000",
    ["Budget__RequestsPerDay"] = "10000000",
    ["Budget__MeterPaidModels"] = "false",
    ["OpenRouter__ApiKey"] = "sk-or-v1-soak",
    ["OpenRouter__BaseUrl"] = simulator.BaseUrl.ToString(),
    ["OpenRouter__IdleTimeout"] = "00:00:01",
    ["OpenRouter__RequestTimeout"] = "00:00:05",
    ["PromptQueue__ClaimDuration"] = "00:00:10",
    ["PromptQueue__RetryBaseDelay"] = "00:00:00.200",
    ["PromptQueue__RetryMaxDelay"] = "00:00:02",
    ["PromptQueue__Listener__Concurrency"] = options.Concurrency.ToString(CultureInfo.InvariantCulture),
    ["PromptQueue__Listener__MaxPollingInterval"] = "00:00:00.250",
    ["PromptQueue__Listener__RetryVisibility"] = "00:00:02",
    ["Logging__LogLevel__Default"] = "Warning",
};

Console.WriteLine(
    $"Soak: {options.Jobs} jobs, {options.Workers} `promptq work` processes x {options.Concurrency} concurrent; simulator faults " +
    $"{options.ServerErrorRate:P0} 5xx, {options.MidStreamErrorRate:P0} mid-stream, {options.HangRate:P0} hangs (seed {options.Seed}); " +
    "idle timeout 1 s, request timeout 5 s, claim 10 s, retry 0.2-2 s, MaxAttempts 6 (default).");

// Submit everything first, as another service would: inline jobs with ids, plain JSON.
var queue = new QueueClient(azurite.ConnectionString, environment["PromptQueue__JobQueue"], new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });
await queue.CreateIfNotExistsAsync();
var submitWatch = Stopwatch.StartNew();
await Parallel.ForEachAsync(Enumerable.Range(0, options.Jobs), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
{
    var id = "soak-" + i.ToString("D6", CultureInfo.InvariantCulture);
    var job = JsonSerializer.Serialize(new Dictionary<string, string> { ["id"] = id, ["model"] = Model, ["prompt"] = $"Soak job {id}: explain item {i}." });
    await queue.SendMessageAsync(job, ct);
});
Console.WriteLine($"Submitted {options.Jobs} jobs in {submitWatch.Elapsed.TotalSeconds:0.0} s.");

var jobs = new TableServiceClient(azurite.ConnectionString).GetTableClient(environment["PromptQueue__JobTable"]);
var workers = Enumerable.Range(0, options.Workers).Select(_ => new SoakWorker(environment)).ToList();
var peaks = new long[workers.Count];
var watch = Stopwatch.StartNew();
Dictionary<string, (string Status, int Attempts)> rows = [];
try
{
    var lastReport = TimeSpan.Zero;
    while (true)
    {
        rows = await ReadJobsAsync(jobs);
        for (var w = 0; w < workers.Count; w++)
        {
            peaks[w] = Math.Max(peaks[w], workers[w].PeakMemoryKib() ?? 0);
        }

        var terminal = rows.Values.Count(r => IsTerminal(r.Status));
        if (terminal >= options.Jobs)
        {
            break;
        }

        if (workers.Any(w => w.HasExited))
        {
            Console.WriteLine("A worker process exited on its own; stopping the soak.");
            break;
        }

        if (watch.Elapsed > options.Timeout)
        {
            Console.WriteLine($"Timed out after {options.Timeout.TotalMinutes:0} min.");
            break;
        }

        if (watch.Elapsed - lastReport >= TimeSpan.FromSeconds(10))
        {
            lastReport = watch.Elapsed;
            Console.WriteLine($"  {watch.Elapsed.TotalSeconds,6:0} s: {terminal} terminal, {simulator.ChatRequestCount} API calls");
        }

        await Task.Delay(TimeSpan.FromMilliseconds(500));
    }
}
finally
{
    var drained = watch.Elapsed;
    for (var w = 0; w < workers.Count; w++)
    {
        peaks[w] = Math.Max(peaks[w], workers[w].PeakMemoryKib() ?? 0);
    }

    await Task.WhenAll(workers.Select(w => w.StopAsync(TimeSpan.FromSeconds(10))));
    Print(options, rows, simulator.ChatRequestCount, workers, peaks, drained);
    foreach (var worker in workers)
    {
        worker.Dispose();
    }
}

static bool IsTerminal(string status) => status is "Completed" or "Failed" or "Rejected" or "Cancelled" or "DeadLettered";

static async Task<Dictionary<string, (string Status, int Attempts)>> ReadJobsAsync(TableClient jobs)
{
    var rows = new Dictionary<string, (string, int)>(StringComparer.Ordinal);
    try
    {
        await foreach (var row in jobs.QueryAsync<TableEntity>("RowKey eq 'job'", select: ["PartitionKey", "Status", "Attempts"]))
        {
            rows[row.PartitionKey] = (row.GetString("Status") ?? "?", row.GetInt32("Attempts") ?? 0);
        }
    }
    catch (Azure.RequestFailedException ex) when (ex.Status == 404)
    {
        // No worker has created the table yet.
    }

    return rows;
}

static void Print(SoakOptions options, Dictionary<string, (string Status, int Attempts)> rows, int apiCalls, List<SoakWorker> workers, long[] peaks, TimeSpan drained)
{
    var invariant = CultureInfo.InvariantCulture;
    Console.WriteLine();
    Console.WriteLine("| terminal state | jobs | share |");
    Console.WriteLine("|---|---:|---:|");
    foreach (var group in rows.Values.GroupBy(r => r.Status).OrderByDescending(g => g.Count()))
    {
        Console.WriteLine(string.Format(invariant, "| {0} | {1} | {2:P2} |", group.Key, group.Count(), (double)group.Count() / options.Jobs));
    }

    var missing = options.Jobs - rows.Count;
    Console.WriteLine(string.Format(invariant, "| (no record: lost) | {0} | {1:P2} |", missing, (double)missing / options.Jobs));

    var attempts = rows.Values.Sum(r => r.Attempts);
    Console.WriteLine();
    Console.WriteLine("| measure | value |");
    Console.WriteLine("|---|---:|");
    Console.WriteLine(string.Format(invariant, "| API calls (simulator) | {0} |", apiCalls));
    Console.WriteLine(string.Format(invariant, "| API calls per job | {0:0.000} |", (double)apiCalls / options.Jobs));
    Console.WriteLine(string.Format(invariant, "| attempts recorded on jobs (sum) | {0} |", attempts));
    Console.WriteLine(string.Format(invariant, "| calls not accounted for by attempts | {0} |", apiCalls - attempts));
    foreach (var group in rows.Values.GroupBy(r => r.Attempts).OrderBy(g => g.Key))
    {
        Console.WriteLine(string.Format(invariant, "| jobs with {0} attempt(s) | {1} |", group.Key, group.Count()));
    }

    for (var w = 0; w < workers.Count; w++)
    {
        Console.WriteLine(string.Format(invariant, "| worker {0} (pid {1}) peak RSS, VmHWM | {2:0.0} MiB |", w + 1, workers[w].Id, peaks[w] / 1024.0));
        Console.WriteLine(string.Format(invariant, "| worker {0} error log lines (fail:) | {1} |", w + 1, workers[w].ErrorLines));
    }

    Console.WriteLine(string.Format(invariant, "| wall time, workers start to last terminal | {0:0.0} s |", drained.TotalSeconds));
    Console.WriteLine(string.Format(invariant, "| jobs per second (terminal) | {0:0.0} |", rows.Values.Count(r => IsTerminal(r.Status)) / drained.TotalSeconds));
}
