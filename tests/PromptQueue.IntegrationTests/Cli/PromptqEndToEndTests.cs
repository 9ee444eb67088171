using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using PromptQueue.Cli;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Cli;

/// <summary>The standalone host driven end to end: a real process, the real queue and tables, the built-in simulator.</summary>
[Collection(AzuriteTests.Name)]
public sealed partial class PromptqEndToEndTests(AzuriteFixture azurite) : IDisposable
{
    private readonly string _workDirectory = Directory.CreateTempSubdirectory("promptq-e2e-").FullName;

    [Fact]
    public async Task Run_JsonlFile_ProcessesEveryJobAndPrintsAnswersWithReasoning()
    {
        // Arrange
        var file = Path.Combine(_workDirectory, "jobs.jsonl");
        await File.WriteAllLinesAsync(file,
        [
            """{"prompt":"What is the capital of France?"}""",
            "",
            """{"system":"Answer briefly.","prompt":"Why do leaves change colour?","reasoning":{"effort":"low"}}""",
            """{"prompt": 7}""",
        ]);
        var environment = PromptqProcess.IsolatedStorage(azurite);

        // Act
        var run = await PromptqProcess.RunAsync(environment, "run", file);

        // Assert
        // A skipped line is a job not done: the exit code says so, as the summary does.
        Assert.True(run.ExitCode == Promptq.ExitJobsFailed, $"exit {run.ExitCode}\n{run.Output}\n{run.Errors}");
        Assert.Contains("No OPENROUTER_API_KEY is set", run.Errors, StringComparison.Ordinal);
        Assert.Contains("jobs.jsonl:4: $.prompt: must be a string, not a number", run.Errors, StringComparison.Ordinal);
        Assert.Contains("Submitted 2 job(s)", run.Output, StringComparison.Ordinal);
        Assert.Contains("skipped 1 invalid line(s)", run.Output, StringComparison.Ordinal);
        Assert.Contains("Done: 2 completed, 0 not completed, 1 line(s) skipped as invalid", run.Output, StringComparison.Ordinal);
        var jobIds = JobHeader().Matches(run.Output).Select(m => m.Groups["id"].Value).ToList();
        Assert.Equal(2, jobIds.Count);
        Assert.Equal(2, Regex.Count(run.Output, "^Reasoning \\(", RegexOptions.Multiline));
        Assert.Equal(2, Regex.Count(run.Output, "^Answer \\(finish reason stop\\):", RegexOptions.Multiline));

        // Act: the stored result can be read back later, by id.
        var show = await PromptqProcess.RunAsync(environment, "show", jobIds[0]);

        // Assert
        Assert.True(show.ExitCode == 0, $"exit {show.ExitCode}\n{show.Output}\n{show.Errors}");
        Assert.Contains($"== {jobIds[0]}  Completed", show.Output, StringComparison.Ordinal);
        Assert.Contains("reasoning_details:", show.Output, StringComparison.Ordinal);
        Assert.Contains("\"type\":\"reasoning.text\"", show.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_JobsWithNames_ShowsEachNameAndShowFindsAJobByIt()
    {
        // Arrange: a file like samples/prompts.jsonl, whose lines name themselves with an id.
        var file = Path.Combine(_workDirectory, "named.jsonl");
        await File.WriteAllLinesAsync(file, ["""{"id":"sample-haiku","prompt":"Write a haiku about queues."}""", """{"id":"sample-sum","prompt":"What is 2+2?"}"""]);
        var environment = PromptqProcess.IsolatedStorage(azurite);

        // Act
        var run = await PromptqProcess.RunAsync(environment, "run", file);
        var show = await PromptqProcess.RunAsync(environment, "show", "sample-haiku");
        var unknown = await PromptqProcess.RunAsync(environment, "show", "no-such-name");

        // Assert
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}\n{run.Output}\n{run.Errors}");
        Assert.Matches(@"== job-[0-9a-z]+ \(sample-haiku\)  Completed", run.Output);
        Assert.True(show.ExitCode == 0, $"exit {show.ExitCode}\n{show.Output}\n{show.Errors}");
        Assert.Contains("Completed", show.Output, StringComparison.Ordinal);
        Assert.Contains("haiku about queues", show.Output, StringComparison.Ordinal);
        Assert.Equal(Promptq.ExitUsage, unknown.ExitCode);
        Assert.Contains("no job 'no-such-name' in this storage account (looked for as an id, and as a name", unknown.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_OnTheSimulator_SpendsTheSimulatorsBudgetNeverTheRealAccounts()
    {
        // Arrange: the real account's budget for today is spent.
        var file = Path.Combine(_workDirectory, "two.jsonl");
        await File.WriteAllLinesAsync(file, ["""{"prompt":"One"}""", """{"prompt":"Two"}"""]);
        var environment = PromptqProcess.IsolatedStorage(azurite);
        environment.Remove("Budget__RequestsPerMinute");
        var budget = new TableServiceClient(azurite.ConnectionString).GetTableClient(environment["Budget__Table"]);
        await budget.CreateIfNotExistsAsync();
        var today = TimeProvider.System.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        await budget.UpsertEntityAsync(new TableEntity("budget", "openrouter") { ["Day"] = today, ["DayUsed"] = 50 });

        // Act
        var run = await PromptqProcess.RunAsync(environment, "run", file);

        // Assert: both jobs ran, on the simulator's own account; the real account's count is as it was.
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}\n{run.Output}\n{run.Errors}");
        Assert.Contains("Done: 2 completed, 0 not completed", run.Output, StringComparison.Ordinal);
        Assert.Contains("metered apart from the real account: 20 a minute, 1000 a day", run.Errors, StringComparison.Ordinal);
        Assert.Equal(50, (await budget.GetEntityAsync<TableEntity>("budget", "openrouter")).Value.GetInt32("DayUsed"));
        Assert.Equal(2, (await budget.GetEntityAsync<TableEntity>("budget", "simulator")).Value.GetInt32("DayUsed"));
    }

    [Fact]
    public async Task Run_StorageUnreachable_EndsWithAClearMessageAndNoStackTrace()
    {
        // Arrange: a port that nothing listens on.
        var port = FreePort();
        var file = Path.Combine(_workDirectory, "one.jsonl");
        await File.WriteAllTextAsync(file, """{"prompt":"hi"}""");
        var environment = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;QueueEndpoint=http://127.0.0.1:{port}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{port}/devstoreaccount1;",
        };

        // Act
        var run = await PromptqProcess.RunAsync(environment, "run", file);

        // Assert
        Assert.Equal(69, run.ExitCode);
        Assert.Contains("promptq: cannot reach Azure Storage", run.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("Eby8vdM02", run.Errors, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("INT")]
    [InlineData("TERM")]
    public async Task Work_InlineJobFromAnotherService_IsProcessedUntilStopped(string signal)
    {
        // Arrange: the worker runs on its own, and another service drops a base64-encoded job on its queue.
        var environment = PromptqProcess.IsolatedStorage(azurite);
        using var worker = PromptqProcess.Start(environment, "work");
        var queue = new QueueClient(azurite.ConnectionString, environment["PromptQueue__JobQueue"], new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        await queue.CreateIfNotExistsAsync();
        await queue.SendMessageAsync("""{"id":"from-billing","prompt":"Summarise invoice 4711"}""");
        var jobs = new TableServiceClient(azurite.ConnectionString).GetTableClient(environment["PromptQueue__JobTable"]);

        // Act
        var status = await PollStatusAsync(jobs, "from-billing", "Completed", TimeSpan.FromSeconds(60));
        var stopped = await PromptqProcess.SignalAsync(worker, signal, "work");

        // Assert
        Assert.Equal("Completed", status);
        Assert.Equal(Promptq.ExitInterrupted, stopped.ExitCode);
        Assert.Contains("promptq: stopping; press Ctrl+C again to stop now.", stopped.Errors, StringComparison.Ordinal);
        Assert.Contains("Stopped.", stopped.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Work_CtrlCTwiceMidCall_SaysWhatItWaitsForHandsTheJobBackAndExits130()
    {
        // Arrange: a job whose model call takes 8 s, and a grace long enough that only the second Ctrl+C ends it.
        var environment = PromptqProcess.IsolatedStorage(azurite);
        environment["PromptQueue__Listener__ShutdownGrace"] = "00:05:00";
        using var worker = PromptqProcess.Start(environment, "work");
        var queue = new QueueClient(azurite.ConnectionString, environment["PromptQueue__JobQueue"], new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });
        await queue.CreateIfNotExistsAsync();
        await queue.SendMessageAsync("""{"id":"slow-one","prompt":"Take your time [[sim:latency-ms=8000]]"}""");
        var jobs = new TableServiceClient(azurite.ConnectionString).GetTableClient(environment["PromptQueue__JobTable"]);
        Assert.Equal("Running", await PollStatusAsync(jobs, "slow-one", "Running", TimeSpan.FromSeconds(60)));
        var errors = new System.Text.StringBuilder();

        // Act: the first Ctrl+C says what promptq waits for; the second stops it at once.
        Signal(worker, "INT");
        await ReadErrorsUntilAsync(worker, errors, "press Ctrl+C again to stop now.");
        Signal(worker, "INT");
        var stopped = await PromptqProcess.WaitAsync(worker, "work");
        var handedBack = await PollStatusAsync(jobs, "slow-one", "Waiting", TimeSpan.FromSeconds(5));
        using var second = PromptqProcess.Start(environment, "work");
        var completed = await PollStatusAsync(jobs, "slow-one", "Completed", TimeSpan.FromSeconds(60));
        await PromptqProcess.SignalAsync(second, "TERM", "work");

        // Assert
        Assert.Contains("promptq: stopping: 1 job in flight, waiting up to 300 s; press Ctrl+C again to stop now.", errors.ToString(), StringComparison.Ordinal);
        Assert.Contains("promptq: stopping now; jobs in hand go back to the queue.", stopped.Errors, StringComparison.Ordinal);
        Assert.Equal(Promptq.ExitInterrupted, stopped.ExitCode);
        Assert.DoesNotContain("   at ", errors + stopped.Errors, StringComparison.Ordinal);
        Assert.Equal("Waiting", handedBack);
        Assert.Equal("Completed", completed);
    }

    private static void Signal(System.Diagnostics.Process process, string signal)
    {
        using var kill = System.Diagnostics.Process.Start("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    private static async Task ReadErrorsUntilAsync(System.Diagnostics.Process process, System.Text.StringBuilder errors, string wanted)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!errors.ToString().Contains(wanted, StringComparison.Ordinal))
        {
            var line = await process.StandardError.ReadLineAsync(timeout.Token) ?? throw new InvalidOperationException($"promptq exited before it said '{wanted}'. It said: {errors}");
            errors.AppendLine(line);
        }
    }

    [Theory]
    [InlineData("work")]
    [InlineData("serve", "--dev")]
    public async Task WorkOrServe_NoKeyAndRealStorage_RefusesToStartNamingTheSetting(params string[] args)
    {
        // Arrange: a real account's connection string; simulated answers must never be stored there as real ones.
        var environment = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "DefaultEndpointsProtocol=https;AccountName=contoso;AccountKey=a2V5;EndpointSuffix=core.windows.net",
        };

        // Act
        var result = await PromptqProcess.RunAsync(environment, args);

        // Assert
        Assert.Equal(Promptq.ExitConfig, result.ExitCode);
        Assert.Contains("OPENROUTER_API_KEY", result.Errors, StringComparison.Ordinal);
        Assert.Contains("OpenRouter__UseSimulator=true", result.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("simulator at http", result.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_StorageSettingNotAConnectionString_NamesTheSettingOnOneLine()
    {
        // Act
        var show = await PromptqProcess.RunAsync(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = "garbage" }, "show", "job-1");

        // Assert
        Assert.Equal(Promptq.ExitConfig, show.ExitCode);
        Assert.StartsWith("promptq: AzureWebJobsStorage is not a storage connection string", show.Errors, StringComparison.Ordinal);
        Assert.Single(show.Errors.Trim().Split('\n'));
        Assert.DoesNotContain("garbage", show.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_UnknownJob_SaysSo()
    {
        // Act
        var show = await PromptqProcess.RunAsync(PromptqProcess.IsolatedStorage(azurite), "show", "job-does-not-exist");

        // Assert
        Assert.Equal(64, show.ExitCode);
        Assert.Contains("no job 'job-does-not-exist'", show.Errors, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_workDirectory, recursive: true);

    private static async Task<string?> PollStatusAsync(TableClient jobs, string jobId, string wanted, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        string? status = null;
        while (!deadline.IsCancellationRequested && status != wanted)
        {
            try
            {
                var row = await jobs.GetEntityIfExistsAsync<TableEntity>(jobId, "job", cancellationToken: deadline.Token);
                status = row.HasValue ? row.Value!.GetString("Status") : null;
                await Task.Delay(TimeSpan.FromMilliseconds(200), deadline.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (Azure.RequestFailedException ex) when (ex.Status == 404)
            {
                // The worker has not created its table yet.
            }
        }

        return status;
    }


    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex("^== (?<id>job-[0-9a-z]+)  Completed", RegexOptions.Multiline)]
    private static partial Regex JobHeader();
}
