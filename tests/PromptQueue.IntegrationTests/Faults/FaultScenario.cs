using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using PromptQueue.Contracts;
using PromptQueue.Simulator;

namespace PromptQueue.IntegrationTests.Faults;

/// <summary>
/// One fault scenario: its own queue and tables on a given storage account, jobs with known ids, and the checks every
/// fault test ends with (no job lost, none stuck Running, no duplicate result, API calls bounded).
/// </summary>
internal sealed class FaultScenario
{
    /// <summary>A paid model: the shared budget does not meter it and the simulator does not rate-limit it.</summary>
    public const string Model = "openai/gpt-oss-120b";

    private readonly string _suffix = Guid.NewGuid().ToString("N")[..12];

    public FaultScenario(string connectionString, OpenRouterSimulator simulator)
    {
        ConnectionString = connectionString;
        Simulator = simulator;
    }

    public string ConnectionString { get; }

    public OpenRouterSimulator Simulator { get; }

    public string QueueName => "faults-" + _suffix;

    public string TableName => "Faults" + _suffix;

    public List<string> JobIds { get; } = [];

    public TableClient Jobs => new TableServiceClient(ConnectionString).GetTableClient(TableName);

    /// <summary>Settings for a <c>promptq work</c> child: scaled-down claim and timeouts, this scenario's queue and tables.</summary>
    public Dictionary<string, string?> WorkerEnvironment(TimeSpan claimDuration) => new()
    {
        ["AzureWebJobsStorage"] = ConnectionString,
        ["PromptQueue__JobQueue"] = QueueName,
        ["PromptQueue__JobTable"] = TableName,
        ["Budget__Table"] = "FaultBudget" + _suffix,
        ["Budget__RequestsPerMinute"] = "6000",
        ["Budget__RequestsPerDay"] = "1000000",
        ["OpenRouter__ApiKey"] = "sk-or-v1-fault-injection-test",
        ["OpenRouter__BaseUrl"] = Simulator.BaseUrl.ToString(),
        ["OpenRouter__RequestTimeout"] = ToSetting(claimDuration - TimeSpan.FromSeconds(1)),
        ["OpenRouter__IdleTimeout"] = ToSetting(claimDuration - TimeSpan.FromSeconds(1)),
        ["PromptQueue__ClaimDuration"] = ToSetting(claimDuration),
        ["PromptQueue__RetryBaseDelay"] = "00:00:00.500",
        ["PromptQueue__RetryMaxDelay"] = "00:00:02",
        ["PromptQueue__Listener__MaxPollingInterval"] = "00:00:00.200",
        ["PromptQueue__Listener__RetryVisibility"] = "00:00:01",
        ["PromptQueue__Listener__ShutdownGrace"] = "00:00:01",
    };

    /// <summary>Puts one inline job per prompt on the queue, as another service would; ids are <c>{prefix}-{n}</c>.</summary>
    public async Task SubmitAsync(string prefix, IEnumerable<string> prompts)
    {
        var queue = new QueueClient(ConnectionString, QueueName, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });
        await queue.CreateIfNotExistsAsync();
        foreach (var prompt in prompts)
        {
            var id = $"{prefix}-{JobIds.Count.ToString(CultureInfo.InvariantCulture)}";
            JobIds.Add(id);
            var job = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["id"] = id, ["model"] = Model, ["prompt"] = $"job {id}: {prompt}" });
            await queue.SendMessageAsync(job);
        }
    }

    /// <summary>The job rows of this scenario's jobs, by id; missing jobs are absent. Null while the table does not exist.</summary>
    public async Task<Dictionary<string, TableEntity>?> ReadJobsAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var rows = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
            await foreach (var row in Jobs.QueryAsync<TableEntity>(e => e.RowKey == "job", cancellationToken: cancellationToken))
            {
                rows[row.PartitionKey] = row;
            }

            return rows;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    /// <summary>Polls until <paramref name="condition"/> holds for the job rows, failing the test at the deadline.</summary>
    public async Task<Dictionary<string, TableEntity>> WaitForAsync(Func<Dictionary<string, TableEntity>, bool> condition, TimeSpan timeout, string what, Func<string>? diagnostics = null)
    {
        var deadline = TimeProvider.System.GetUtcNow() + timeout;
        Dictionary<string, TableEntity>? rows = null;
        while (TimeProvider.System.GetUtcNow() < deadline)
        {
            try
            {
                rows = await ReadJobsAsync();
                if (rows is not null && condition(rows))
                {
                    return rows;
                }
            }
            catch (RequestFailedException)
            {
                // Storage may be restarting; keep polling.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        var states = rows is null ? "no table" : string.Join(", ", rows.Select(r => $"{r.Key}={r.Value.GetString("Status")}"));
        Assert.Fail($"Timed out after {timeout.TotalSeconds:0} s waiting until {what}. Jobs: {states}. {diagnostics?.Invoke()}");
        return rows!;
    }

    public static bool IsTerminal(TableEntity row) =>
        Enum.TryParse<JobStatus>(row.GetString("Status"), out var status) && status.IsTerminal();

    public static string StatusOf(TableEntity row) => row.GetString("Status") ?? "";

    /// <summary>Chat calls the simulator received for one job (its id is in the prompt).</summary>
    public int CallsFor(string jobId) =>
        Simulator.ReceivedBodies.Count(body => body.Contains($"job {jobId}:", StringComparison.Ordinal));

    /// <summary>
    /// The invariants every fault test ends with: every job exists, none is left Running (or Queued), each is terminal
    /// or legitimately Waiting; a Completed job has exactly the answer rows its record counts (one result); the
    /// simulator saw at most one call per job plus one per job in flight at a crash.
    /// </summary>
    public async Task AssertInvariantsAsync(int jobsInFlightAtCrashes, bool waitingAllowed = false)
    {
        var rows = await ReadJobsAsync() ?? [];
        foreach (var id in JobIds)
        {
            Assert.True(rows.TryGetValue(id, out var row), $"job {id} was lost: it has no record");
            var status = StatusOf(row!);
            Assert.True(IsTerminal(row!) || (waitingAllowed && status == nameof(JobStatus.Waiting)), $"job {id} ended {status}, neither terminal nor legitimately waiting");
            if (status == nameof(JobStatus.Completed))
            {
                var counted = row!.GetInt32("AnswerChunks") ?? 0;
                var answerRows = 0;
                await foreach (var _ in Jobs.QueryAsync<TableEntity>(e => e.PartitionKey == id && e.RowKey.CompareTo("answer-") >= 0 && e.RowKey.CompareTo("answer.") < 0, select: ["RowKey"]))
                {
                    answerRows++;
                }

                Assert.True(counted >= 1, $"job {id} is Completed without an answer");
                Assert.Equal(counted, answerRows);
            }
        }

        var calls = Simulator.ChatRequestCount;
        Assert.True(calls <= JobIds.Count + jobsInFlightAtCrashes, $"{calls} API calls for {JobIds.Count} jobs with {jobsInFlightAtCrashes} in flight at crashes");
    }

    private static string ToSetting(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);
}
