using System.Collections;
using System.Globalization;
using System.Text;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using PromptQueue.Core.Processing;
using PromptQueue.Functions;
using PromptQueue.IntegrationTests.Infrastructure;
using PromptQueue.Simulator;
using static PromptQueue.IntegrationTests.Telemetry.ModelCallTelemetryTests;

namespace PromptQueue.IntegrationTests.Telemetry;

/// <summary>
/// Runs jobs end to end with a distinctive API key, capturing every log record at every level (scopes, state and
/// exceptions included), every stored row and every span, and proves the key appears in none of them, while the
/// simulator did receive it, so the test would notice a run without the key.
/// </summary>
[Collection(AzuriteTests.Name)]
public sealed class ApiKeyExposureTests(AzuriteFixture azurite)
{
    /// <summary>A success, and the failures whose texts are stored or logged: errors in the body, the stream, the socket.</summary>
    public static TheoryData<string> Prompts => new()
    {
        "Hello there",
        "Bad key [[sim:status=401]]",
        "Fail midway [[sim:error=midstream]]",
        "Cut off [[sim:reset]]",
        "Cloudflare page [[sim:status=502-html]]",
        "Too fast [[sim:status=429]]",
        "Odd chunk [[sim:malformed]]",
    };

    [Theory]
    [MemberData(nameof(Prompts))]
    public async Task Run_JobWithApiKey_KeyAppearsInNoLogRecordRowOrSpan(string prompt)
    {
        // Arrange
        var key = NewKey();
        await using var app = await StartAsync(key);
        using var telemetry = new TelemetryCapture();
        var jobId = await SubmitAsync(app, $$"""{"prompt":"{{prompt}}"}""");

        // Act
        var result = await RunOneAsync(app);

        // Assert: the key went out, and came back nowhere.
        Assert.Equal($"Bearer {key}", app.Simulator.GetLastChatRequestHeader("Authorization"));
        var logs = app.Get<FakeLogCollector>().GetSnapshot();
        Assert.Contains(logs, log => log.Message.Contains(jobId, StringComparison.Ordinal));
        AssertAbsent(key, "the result", result.ToString());
        AssertAbsent(key, logs);
        AssertAbsent(key, "the stored rows", await StoredRowsAsync(app));
        var spans = telemetry.Spans();
        Assert.NotEmpty(spans);
        Assert.All(spans, span => AssertAbsent(key, $"span {span.DisplayName}", string.Join('\n', span.TagObjects.Select(t => $"{t.Key}={Text(t.Value)}"))));
    }

    [Fact]
    public async Task Run_CallCancelledMidStream_ExceptionAndLogsDoNotCarryTheKey()
    {
        // Arrange: the provider keeps the stream open without a token until the host shuts down.
        var key = NewKey();
        await using var app = await StartAsync(key);
        await SubmitAsync(app, """{"prompt":"Hang on [[sim:hang]]"}""");
        var message = await app.JobQueue().ReceiveOneAsync();
        using var shutdown = new CancellationTokenSource(TimeSpan.FromSeconds(1));

        // Act
        var result = await new ProcessJob(app.Processor).Run(message, shutdown.Token);

        // Assert: the job is released, and neither its record nor any log line carries the key.
        Assert.Equal(JobOutcome.Deferred, result.Outcome);
        Assert.Equal($"Bearer {key}", app.Simulator.GetLastChatRequestHeader("Authorization"));
        var record = await app.Store.FindAsync(result.JobId, CancellationToken.None);
        AssertAbsent(key, "the job record", System.Text.Json.JsonSerializer.Serialize(record));
        AssertAbsent(key, app.Get<FakeLogCollector>().GetSnapshot());
    }

    // The shape of a real key, random so that nothing else in the run can contain it by chance.
    private static string NewKey() => $"sk-or-v1-{Guid.NewGuid():N}{Guid.NewGuid():N}";

    private Task<TestApp> StartAsync(string key) => TestApp.StartAsync(
        azurite,
        configure: settings => settings["OpenRouter:ApiKey"] = key,
        simulatorOptions: new SimulatorOptions { RequiredApiKey = key },
        configureServices: services => services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddFakeLogging()));

    private static void AssertAbsent(string key, IReadOnlyList<FakeLogRecord> logs)
    {
        Assert.NotEmpty(logs);
        foreach (var log in logs)
        {
            var text = new StringBuilder()
                .AppendLine(log.Category)
                .AppendLine(log.Message)
                .AppendLine(log.Exception?.ToString())
                .AppendJoin('\n', log.StructuredState?.Select(p => $"{p.Key}={p.Value}") ?? [])
                .AppendJoin('\n', log.Scopes.Select(Text));
            AssertAbsent(key, $"log record {log.Category}/{log.Id}: {log.Message}", text.ToString());
        }
    }

    /// <summary>Every row of every table in the account: job records and their texts, the budget, whatever comes next.</summary>
    private static async Task<string> StoredRowsAsync(TestApp app)
    {
        var tables = app.Get<TableServiceClient>();
        var rows = new StringBuilder();
        await foreach (var table in tables.QueryAsync())
        {
            await foreach (var entity in tables.GetTableClient(table.Name).QueryAsync<TableEntity>())
            {
                rows.AppendJoin('\n', entity.Select(p => $"{table.Name}/{entity.PartitionKey}/{entity.RowKey}.{p.Key}={Text(p.Value)}")).AppendLine();
            }
        }

        Assert.Contains(app.Configuration["PromptQueue:JobTable"] + "/", rows.ToString(), StringComparison.Ordinal);
        return rows.ToString();
    }

    /// <summary>The key must not appear whole, nor any recognisable part of its secret.</summary>
    private static void AssertAbsent(string key, string where, string text)
    {
        var secret = key["sk-or-v1-".Length..];
        foreach (var part in new[] { key, secret, secret[..16], secret[^16..] })
        {
            Assert.False(text.Contains(part, StringComparison.Ordinal), $"{where} contains the API key: {text}");
        }
    }

    private static string Text(object? value) => value switch
    {
        null => "",
        string s => s,
        IEnumerable<KeyValuePair<string, object?>> pairs => string.Join(';', pairs.Select(p => $"{p.Key}={Text(p.Value)}")),
        IEnumerable items => string.Join(';', items.Cast<object?>().Select(Text)),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
