using System.Globalization;
using PromptQueue.Bench;
using PromptQueue.Cli.Local;

// Pacing: drains the same workload up to three ways against a free-tier simulator and prints them side by side.
// Ceiling: PromptQueue's throughput against the storage account's own. See bench/README.md for what is measured and why.
var workload = Workload.Parse(args);
await using var azurite = await AzuriteProcess.StartAsync(dataDirectory: null, blobPort: 0, queuePort: 0, tablePort: 0, CancellationToken.None);
if (workload.Mode == BenchMode.Ceiling)
{
    await new StorageCeilingRun(workload, azurite.ConnectionString).RunAsync(CancellationToken.None);
    return;
}

var timeout = workload.IdealDrain * 4 + TimeSpan.FromSeconds(10);
Console.WriteLine(
    $"Workload: {workload.Jobs} jobs submitted at once; account limit R = {workload.RequestsPerMinute} per simulated minute, " +
    $"{workload.Window.ToString().ToLowerInvariant()} window; time scale {workload.TimeScale} (a simulated minute is {workload.SimulatedMinute.TotalSeconds:0.###} s); " +
    $"{workload.Instances} worker processes; {workload.Latency.TotalMilliseconds:0} ms to first token; N/R = {workload.IdealDrain.TotalSeconds:0.#} s; " +
    $"the shortest drain the rule allows = {workload.ShortestDrain.TotalSeconds:0.#} s; each run stops after {timeout.TotalSeconds:0} s.");
Console.WriteLine("PromptQueue settings: " + string.Join(", ", PromptQueueRun.Tuning(workload).Select(s => $"{s.Key}={s.Value}")) + " (all others default).");

var runs = new List<RunResult>();
foreach (var (run, make) in new (BenchRuns, Func<Task<RunResult>>)[]
{
    (BenchRuns.Functions, () => new FunctionsDefaultRun(workload, azurite.ConnectionString, "Functions defaults", perProcessLimiter: false).RunAsync(timeout, CancellationToken.None)),
    (BenchRuns.Limiter, () => new FunctionsDefaultRun(workload, azurite.ConnectionString, "per-process limiter", perProcessLimiter: true).RunAsync(timeout, CancellationToken.None)),
    (BenchRuns.PromptQueue, () => new PromptQueueRun(workload, azurite.ConnectionString, "PromptQueue").RunAsync(timeout, CancellationToken.None)),
})
{
    if (workload.Runs.HasFlag(run))
    {
        var result = await make();
        Console.WriteLine($"  {result.Name}: {result.Completed} completed in {result.Wall.TotalSeconds:0.0} s");
        runs.Add(result);
    }
}

if (runs.Count == 0)
{
    Console.Error.WriteLine("--runs named no run: functions, limiter, promptqueue.");
    return;
}

Console.WriteLine();
Console.Write(ResultTable.Format(runs));
foreach (var result in runs)
{
    var (gap, after) = result.Admissions.LongestGap();
    Console.WriteLine();
    Console.WriteLine($"{result.Name}: call starts, seconds after the first (the longest gap, {gap.TotalSeconds:0.000} s, follows call #{after + 1}):");
    Console.WriteLine(result.Admissions.Describe());
    if (result.DeferralLog.Count > 0 && result.Admissions.AdmittedAt.Count > 0)
    {
        // Seconds on the same scale as the call starts above.
        var first = result.Admissions.AdmittedAt[0];
        Console.WriteLine($"{result.Name}: deferrals, seconds after the first call start (job: deferred at -> due at, why):");
        foreach (var deferral in result.DeferralLog)
        {
            var until = deferral.Until is { } due ? (due - first).TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture) : "?";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {deferral.JobId[^4..]}: {(deferral.At - first).TotalSeconds,8:0.000} -> {until,8} {deferral.Reason}"));
        }
    }

    if (result.StorageOperations is { } operations)
    {
        Console.WriteLine($"{result.Name}: storage operations of the drain per job, by kind:");
        foreach (var (kind, count) in operations.OrderByDescending(o => o.Value))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {(double)count / workload.Jobs,6:0.00}  {kind}"));
        }
    }
}

if (workload.Runs.HasFlag(BenchRuns.PromptQueue) && workload.Burst > 0)
{
    var burst = await new PromptQueueRun(workload, azurite.ConnectionString, "PromptQueue").RunBurstAsync(CancellationToken.None);
    Console.WriteLine();
    Console.WriteLine(burst is null
        ? $"Burst: {workload.Burst} jobs submitted at once on an idle account did not all complete within 2 minutes."
        : $"Burst: {workload.Burst} jobs submitted at once to running hosts on an idle account; call starts spread over {burst.Spread.TotalSeconds:0.000} s (target: within 1 s):" +
          Environment.NewLine + burst.Describe());
}
