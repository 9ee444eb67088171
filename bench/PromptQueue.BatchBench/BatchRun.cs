using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;
using PromptQueue.Core;
using PromptQueue.Core.Batches;
using PromptQueue.Core.Processing;
using PromptQueue.Core.Storage;
using PromptQueue.Http;

namespace PromptQueue.BatchBench;

/// <summary>What one size measured.</summary>
public sealed record BatchMeasurement(
    int Items,
    double SubmitItemsPerSecond,
    double ExportItemsPerSecond,
    long BaselineManagedBytes,
    long BaselineWorkingSetBytes,
    long PeakManagedBytes,
    long PeakWorkingSetBytes);

/// <summary>One size, in its own process: submit, complete every job directly through Core, export to a null stream.</summary>
internal static class BatchRun
{
    private const int ParallelWrites = 32;

    public static async Task<BatchMeasurement> MeasureAsync(int items, string storage)
    {
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = storage,
            ["PromptQueue:JobQueue"] = "jobs-" + suffix,
            ["PromptQueue:JobTable"] = "Jobs" + suffix,
            ["PromptQueue:BatchTable"] = "Batches" + suffix,
            ["Budget:Table"] = "Budget" + suffix,
            ["OpenRouter:BaseUrl"] = "http://127.0.0.1:9/api/v1/",
        }).Build();
        await using var services = new ServiceCollection()
            .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Error))
            .AddSingleton<IConfiguration>(configuration)
            .AddPromptQueueCore(configuration)
            .AddPromptQueueHttpApi()
            .BuildServiceProvider();
        await services.GetRequiredService<JobStore>().EnsureCreatedAsync(CancellationToken.None);
        await services.GetRequiredService<BatchStore>().EnsureCreatedAsync(CancellationToken.None);

        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllLinesAsync(file, Enumerable.Range(0, items).Select(i => $$"""{"custom_id":"q{{i}}","prompt":"Question number {{i}}: what is {{i}} squared?"}"""));
            var clock = Stopwatch.StartNew();
            BatchHeader header;
            await using (var body = File.OpenRead(file))
            {
                header = (await services.GetRequiredService<BatchSubmitter>().SubmitAsync(body, new BatchSubmitRequest(), CancellationToken.None)).Header
                    ?? throw new InvalidOperationException("the batch was refused");
            }

            var submitSeconds = clock.Elapsed.TotalSeconds;
            header = await CompleteEveryJobAsync(services, header);

            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            using var process = Process.GetCurrentProcess();
            process.Refresh();
            var (baselineManaged, baselineWorkingSet) = (GC.GetTotalMemory(false), process.WorkingSet64);
            long peakManaged = baselineManaged, peakWorkingSet = baselineWorkingSet;
            using var stopSampling = new CancellationTokenSource();
            var sampling = Task.Run(async () =>
            {
                while (!stopSampling.IsCancellationRequested)
                {
                    process.Refresh();
                    peakManaged = Math.Max(peakManaged, GC.GetTotalMemory(false));
                    peakWorkingSet = Math.Max(peakWorkingSet, process.WorkingSet64);
                    await Task.Delay(5, CancellationToken.None);
                }
            });

            clock.Restart();
            await services.GetRequiredService<BatchExporter>().WriteJsonLinesAsync(header, withReasoning: false, Stream.Null, CancellationToken.None);
            var exportSeconds = clock.Elapsed.TotalSeconds;
            await stopSampling.CancelAsync();
            await sampling;
            return new BatchMeasurement(items, items / submitSeconds, items / exportSeconds, baselineManaged, baselineWorkingSet, peakManaged, peakWorkingSet);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>
    /// Writes every item's job as Completed with a short answer, as the processor would have, and marks the batch fully
    /// released: the export then reads real job records without waiting for the budget's real pace.
    /// </summary>
    private static async Task<BatchHeader> CompleteEveryJobAsync(IServiceProvider services, BatchHeader header)
    {
        var store = services.GetRequiredService<BatchStore>();
        var jobs = services.GetRequiredService<JobStore>();
        var items = store.ReadItemsAsync(header.BatchId, 0, header.Items, withJob: false, CancellationToken.None);
        await Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = ParallelWrites }, async (item, token) =>
        {
            var answer = $"The answer to item {item.Index.ToString(CultureInfo.InvariantCulture)} is short.";
            var record = new JobRecord
            {
                PartitionKey = item.JobId,
                Status = JobStatus.Completed,
                Source = JobSources.Batch,
                BatchId = header.BatchId,
                BatchItemIndex = item.Index,
                QueuedAt = TimeProvider.System.GetUtcNow(),
                CompletedAt = TimeProvider.System.GetUtcNow(),
                AnswerPreview = answer,
                PromptTokens = 12,
                CompletionTokens = 30,
                TotalTokens = 42,
                Cost = 0,
            };
            await jobs.TryCreateAsync(record, new Dictionary<JobText, string> { [JobText.Answer] = answer }, token);
        });

        header.NextIndex = header.Items;
        header.Status = BatchStatus.Running;
        if (!await store.TryUpdateHeaderAsync(header, CancellationToken.None))
        {
            throw new InvalidOperationException("the batch header changed under the benchmark");
        }

        return header;
    }
}
