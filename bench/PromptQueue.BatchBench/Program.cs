using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using PromptQueue.BatchBench;
using PromptQueue.Cli.Local;

// Submits a batch of N items, marks every job completed, and exports the results, at each size in its own child
// process so that peak memory is measured from the same starting point. See bench/README.md.
if (args is ["--child", var sizeText, var storage])
{
    var measurement = await BatchRun.MeasureAsync(int.Parse(sizeText, CultureInfo.InvariantCulture), storage);
    Console.WriteLine(JsonSerializer.Serialize(measurement));
    return 0;
}

var sizes = args is ["--sizes", var list] ? list.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray() : [5_000, 50_000];
await using var azurite = await AzuriteProcess.StartAsync(dataDirectory: null, blobPort: 0, queuePort: 0, tablePort: 0, CancellationToken.None);
Console.WriteLine($"Batch benchmark: sizes {string.Join(", ", sizes)}; each size in a child process against one in-memory Azurite.");
var results = new List<BatchMeasurement>();
foreach (var size in sizes)
{
    // The same program again: through its apphost, or through dotnet with the assembly when run that way.
    var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
    if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
    {
        start.ArgumentList.Add(typeof(BatchRun).Assembly.Location);
    }

    foreach (var argument in new[] { "--child", size.ToString(CultureInfo.InvariantCulture), azurite.ConnectionString })
    {
        start.ArgumentList.Add(argument);
    }

    var child = Process.Start(start)!;
    var output = await child.StandardOutput.ReadToEndAsync();
    await child.WaitForExitAsync();
    if (child.ExitCode != 0)
    {
        Console.Error.WriteLine($"the run of {size} items failed (exit {child.ExitCode}):\n{output}");
        return 1;
    }

    var result = JsonSerializer.Deserialize<BatchMeasurement>(output.Trim().Split('\n')[^1])!;
    Console.WriteLine($"  {result.Items,7} items: submit {result.SubmitItemsPerSecond,7:0} items/s, export {result.ExportItemsPerSecond,7:0} items/s, " +
        $"export peak: managed {result.PeakManagedBytes / 1048576.0,6:0.0} MiB, working set {result.PeakWorkingSetBytes / 1048576.0,6:0.0} MiB " +
        $"(before export: {result.BaselineManagedBytes / 1048576.0:0.0} MiB managed, {result.BaselineWorkingSetBytes / 1048576.0:0.0} MiB working set)");
    results.Add(result);
}

if (results.Count >= 2)
{
    var (small, large) = (results[0], results[^1]);
    Console.WriteLine();
    Console.WriteLine($"Peak during export, {large.Items} vs {small.Items} items: managed ×{(double)large.PeakManagedBytes / small.PeakManagedBytes:0.00}, " +
        $"working set ×{(double)large.PeakWorkingSetBytes / small.PeakWorkingSetBytes:0.00} (target < 1.2: memory does not grow with the batch).");
}

return 0;
