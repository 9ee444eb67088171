using PromptQueue.Bench;
using PromptQueue.Cli.Local;

// Drains the same workload three ways against a scaled free-tier simulator and prints them side by side.
// See bench/README.md for what is measured and why.
var workload = Workload.Parse(args);
var timeout = workload.IdealDrain * 4 + TimeSpan.FromSeconds(10);
Console.WriteLine(
    $"Workload: {workload.Jobs} jobs submitted at once; account limit R = {workload.RequestsPerMinute} per simulated minute; " +
    $"time scale {workload.TimeScale} (a simulated minute is {workload.SimulatedMinute.TotalSeconds:0.###} s); " +
    $"{workload.Instances} worker processes; {workload.Latency.TotalMilliseconds:0} ms to first token; N/R = {workload.IdealDrain.TotalSeconds:0.#} s; " +
    $"each run stops after {timeout.TotalSeconds:0} s.");
Console.WriteLine("PromptQueue settings: " + string.Join(", ", PromptQueueRun.Tuning(workload).Select(s => $"{s.Key}={s.Value}")) + " (all others default).");

await using var azurite = await AzuriteProcess.StartAsync(dataDirectory: null, blobPort: 0, queuePort: 0, tablePort: 0, CancellationToken.None);
var runs = new List<RunResult>();
foreach (var run in new Func<Task<RunResult>>[]
{
    () => new FunctionsDefaultRun(workload, azurite.ConnectionString, "Functions defaults", perProcessLimiter: false).RunAsync(timeout, CancellationToken.None),
    () => new FunctionsDefaultRun(workload, azurite.ConnectionString, "per-process limiter", perProcessLimiter: true).RunAsync(timeout, CancellationToken.None),
    () => new PromptQueueRun(workload, azurite.ConnectionString, "PromptQueue").RunAsync(timeout, CancellationToken.None),
})
{
    var result = await run();
    Console.WriteLine($"  {result.Name}: {result.Completed} completed in {result.Wall.TotalSeconds:0.0} s");
    runs.Add(result);
}

Console.WriteLine();
Console.Write(ResultTable.Format(runs));
