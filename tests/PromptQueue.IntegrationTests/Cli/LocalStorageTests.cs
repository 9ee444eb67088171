using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Xunit.Abstractions;
using PromptQueue.IntegrationTests.Faults;
using PromptQueue.Simulator;

namespace PromptQueue.IntegrationTests.Cli;

/// <summary>
/// The Azurite that promptq starts for itself, on a data folder of the test's own: what promptq acknowledged before it
/// exited is there when it starts again.
/// </summary>
public sealed partial class LocalStorageTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _workDirectory = Directory.CreateTempSubdirectory("promptq-local-").FullName;

    /// <summary>promptq with no storage configured: it starts Azurite on this test's folder and free ports.</summary>
    private Dictionary<string, string?> OwnAzurite() => new()
    {
        ["Local__AzuriteLocation"] = Path.Combine(_workDirectory, "azurite"),
        ["Local__AzuritePorts"] = $"{RestartableAzurite.FreePort()},{RestartableAzurite.FreePort()},{RestartableAzurite.FreePort()}",
    };

    [Fact]
    public async Task BatchSubmit_ThenPromptqStartsAgain_FindsTheBatchItAcknowledged()
    {
        // Arrange
        var file = Path.Combine(_workDirectory, "batch.jsonl");
        await File.WriteAllLinesAsync(file, ["""{"custom_id":"one","prompt":"First"}""", """{"custom_id":"two","prompt":"Second"}"""]);
        var environment = OwnAzurite();

        // Act: submit exits within a second or two of its writes, well inside Azurite's five-second save interval.
        var submit = await PromptqProcess.RunAsync(environment, "batch", "submit", file);
        var batchId = submit.Output.Trim();
        var status = await PromptqProcess.RunAsync(environment, "batch", "status", batchId);

        // Assert
        Assert.True(submit.ExitCode == 0, submit.Errors);
        Assert.Contains("Storage: started Azurite", submit.Errors, StringComparison.Ordinal);
        Assert.True(status.ExitCode == 0, $"exit {status.ExitCode}\n{status.Output}\n{status.Errors}");
        Assert.Contains(batchId, status.Output, StringComparison.Ordinal);
        Assert.Contains("0/2 done: 2 pending", status.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_KilledAtRandomPointsAndStartedAgain_KeepsEveryReportedBatchWithAtMostOneExtraCallPerKill()
    {
        // Arrange: promptq's own Azurite, and a simulator outside promptq that counts the calls of each item.
        var seed = Environment.TickCount;
        log.WriteLine($"seed {seed}");
        var random = new Random(seed);
        await using var simulator = await OpenRouterSimulator.StartAsync(new SimulatorOptions { RequestsPerMinute = 6000, RequestsPerDay = 1_000_000 });
        var environment = OwnAzurite();
        environment["OpenRouter__ApiKey"] = "sk-or-v1-kill-test";
        environment["OpenRouter__BaseUrl"] = simulator.BaseUrl.ToString();
        environment["Budget__RequestsPerMinute"] = "6000";
        environment["Budget__RequestsPerDay"] = "1000000";
        environment["PromptQueue__ClaimDuration"] = "00:00:06";
        environment["OpenRouter__RequestTimeout"] = "00:00:05";
        environment["OpenRouter__IdleTimeout"] = "00:00:05";
        environment["PromptQueue__Listener__MaxPollingInterval"] = "00:00:00.200";

        // A run killed between storing a job and sending its message leaves it to the recovery sweep, and one killed
        // between claiming batch items and releasing them leaves them to the lapse of that claim: both come sooner.
        environment["PromptQueue__Listener__SweepInterval"] = "00:00:01";
        environment["PromptQueue__StrandedAfter"] = "00:00:03";
        environment["PromptQueue__Batches__ClaimDuration"] = "00:00:03";
        var ports = environment["Local__AzuritePorts"]!.Split(',').Select(int.Parse).ToArray();
        var reported = new List<(string BatchId, int Round)>();
        var kills = 0;

        // Act: three runs, the first two killed with kill -9 at a random moment (or left to finish, if it is quicker),
        // the last left to finish, so that at least one batch is reported however slowly the machine starts promptq.
        for (var round = 1; round <= 3; round++)
        {
            var file = Path.Combine(_workDirectory, $"round-{round}.jsonl");
            await File.WriteAllLinesAsync(file, Enumerable.Range(1, 4).Select(n => $$"""{"custom_id":"r{{round}}-{{n}}","prompt":"round {{round}} item {{n}}: say something [[sim:latency-ms=400]]"}"""));
            using var run = PromptqProcess.Start(environment, "run", file);
            var output = run.StandardOutput.ReadToEndAsync();

            // The random moment is counted from when promptq has its storage: a busy machine takes its time to start.
            var errors = new System.Text.StringBuilder();
            while (!errors.ToString().Contains("Storage: started Azurite", StringComparison.Ordinal)
                && await run.StandardError.ReadLineAsync() is { } line)
            {
                errors.AppendLine(line);
            }

            var rest = run.StandardError.ReadToEndAsync();
            var killAfter = round < 3 ? TimeSpan.FromMilliseconds(random.Next(0, 6000)) : Timeout.InfiniteTimeSpan;
            using (var wait = new CancellationTokenSource(killAfter))
            {
                try
                {
                    await run.WaitForExitAsync(wait.Token);
                }
                catch (OperationCanceledException)
                {
                    run.Kill();
                    kills++;
                }
            }

            await run.WaitForExitAsync();
            var printed = await output;
            var killed = run.ExitCode == 137 || run.ExitCode == -1 ? $"killed {killAfter.TotalSeconds:0.0} s after its storage started" : $"exit {run.ExitCode}";
            log.WriteLine($"round {round}: {killed}\n{printed}\n{errors}{await rest}");
            if (SubmittedBatch().Match(printed) is { Success: true } submitted)
            {
                reported.Add((submitted.Groups["id"].Value, round));
            }

            // promptq's Azurite saves its data and exits once promptq is gone: the next run starts its own again.
            foreach (var port in ports)
            {
                await WaitUntilClosedAsync(port);
            }
        }

        using var worker = PromptqProcess.Start(environment, "work", "--verbose");
        var statuses = new List<PromptqProcess.Result>();
        foreach (var (batchId, _) in reported)
        {
            var status = await WaitForBatchAsync(environment, batchId, "Completed", TimeSpan.FromSeconds(90));
            log.WriteLine($"{batchId}: {status.Output}");
            statuses.Add(status);
        }

        var workLog = await PromptqProcess.SignalAsync(worker, "TERM", "work");
        log.WriteLine($"work: {workLog.Output}\n{workLog.Errors}");

        // Assert: every batch promptq reported is stored and done; each item was called once, plus at most once for
        // every kill that can have caught it in flight.
        Assert.NotEmpty(reported);
        Assert.All(statuses, status => Assert.Contains("Completed", status.Output, StringComparison.Ordinal));
        Assert.All(statuses, status => Assert.Contains("4/4 done: 4 completed", status.Output, StringComparison.Ordinal));
        foreach (var (_, round) in reported)
        {
            for (var n = 1; n <= 4; n++)
            {
                var calls = simulator.ReceivedBodies.Count(body => body.Contains($"round {round} item {n}:", StringComparison.Ordinal));
                Assert.InRange(calls, 1, 1 + kills);
            }
        }
    }

    public void Dispose() => Directory.Delete(_workDirectory, recursive: true);

    private static async Task<PromptqProcess.Result> WaitForBatchAsync(Dictionary<string, string?> environment, string batchId, string wanted, TimeSpan timeout)
    {
        var deadline = TimeProvider.System.GetUtcNow() + timeout;
        while (true)
        {
            var status = await PromptqProcess.RunAsync(environment, "batch", "status", batchId);
            if (status.Output.Contains(wanted, StringComparison.Ordinal) || TimeProvider.System.GetUtcNow() > deadline)
            {
                return status;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }
    }

    private static async Task WaitUntilClosedAsync(int port)
    {
        for (var attempt = 0; attempt < 300; attempt++)
        {
            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, port);
            }
            catch (SocketException)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        throw new TimeoutException($"promptq's Azurite still listens on port {port} 30 s after promptq was killed.");
    }

    [GeneratedRegex("as batch (?<id>batch-[0-9a-z]{26})")]
    private static partial Regex SubmittedBatch();
}
