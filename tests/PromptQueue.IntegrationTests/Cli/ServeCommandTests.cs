using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using PromptQueue.Cli;
using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Cli;

/// <summary><c>promptq serve</c> as a user runs it: a real process serving the API and working the queue.</summary>
[Collection(AzuriteTests.Name)]
public sealed partial class ServeCommandTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task ManagementCommands_OnLocalStorageAndWithUrl_PrintTheSameAndActOnTheSameJobs()
    {
        // Arrange: one job the provider refuses (400, so it fails for good) and one that completes.
        var environment = PromptqProcess.IsolatedStorage(azurite, "manage");
        using var serve = PromptqProcess.Start(environment, "serve", "--dev", "--urls", "http://127.0.0.1:0");
        var (baseAddress, _) = await ReadServingLineAsync(serve);
        var url = baseAddress[..^"/api".Length];
        using var client = new HttpClient { BaseAddress = new Uri(baseAddress + "/") };
        var failed = await SubmitAndWaitAsync(client, "Refuse this [[sim:status=400]]");
        var completed = await SubmitAndWaitAsync(client, "Answer this");

        // Act
        var status = failed.Status.ToString();
        var local = await PromptqProcess.RunAsync(environment, "jobs", "list", "--status", status);
        var remote = await PromptqProcess.RunAsync(environment, "jobs", "list", "--status", status, "--url", url);
        var budgetLocal = await PromptqProcess.RunAsync(environment, "budget");
        var budgetRemote = await PromptqProcess.RunAsync(environment, "budget", "--url", url);
        var usage = await PromptqProcess.RunAsync(environment, "usage", "--json", "--url", url);
        var cancelDone = await PromptqProcess.RunAsync(environment, "cancel", completed.Id, "--url", url);
        var retry = await PromptqProcess.RunAsync(environment, "retry", failed.Id);
        await PromptqProcess.SignalAsync(serve, "TERM", "serve");

        // Assert: the same lines either way, the refused job listed and the completed one not.
        Assert.True(local.ExitCode == 0, local.Errors);
        Assert.True(remote.ExitCode == 0, remote.Errors);
        Assert.Equal(local.Output, remote.Output);
        Assert.Contains(failed.Id, local.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(completed.Id, local.Output, StringComparison.Ordinal);
        Assert.Contains("Today (", budgetLocal.Output, StringComparison.Ordinal);
        Assert.Equal(budgetLocal.Output.Split('\n')[0], budgetRemote.Output.Split('\n')[0]);
        Assert.Contains("\"jobs\": 1", usage.Output, StringComparison.Ordinal);
        Assert.Equal(Promptq.ExitUsage, cancelDone.ExitCode);
        Assert.Contains("only Queued or Waiting jobs can be cancelled", cancelDone.Errors, StringComparison.Ordinal);
        Assert.True(retry.ExitCode == 0, retry.Errors);
        Assert.Contains($"{failed.Id}: Queued", retry.Output, StringComparison.Ordinal);
    }

    private static async Task<JobView> SubmitAndWaitAsync(HttpClient client, string prompt)
    {
        using var submitted = await client.PostAsync("jobs", new StringContent(JsonSerializer.Serialize(new { prompt }), Encoding.UTF8, "application/json"));
        var accepted = JsonSerializer.Deserialize<JobAccepted>(await submitted.Content.ReadAsStringAsync(), ContractJson.Options)!;
        using var polled = await client.GetAsync($"jobs/{accepted.Id}?wait=60");
        return JsonSerializer.Deserialize<JobView>(await polled.Content.ReadAsStringAsync(), ContractJson.Options)!;
    }

    [Fact]
    public async Task Serve_WithKey_AcceptsAJobRunsItAndAnswersTheLongPoll()
    {
        // Arrange
        var apiKey = "pq-serve-" + Guid.NewGuid().ToString("N");
        var environment = PromptqProcess.IsolatedStorage(azurite, "serve");
        environment["PromptQueue__Http__ApiKey"] = apiKey;
        using var serve = PromptqProcess.Start(environment, "serve", "--urls", "http://127.0.0.1:0");
        var (baseAddress, servingLine) = await ReadServingLineAsync(serve);
        using var client = new HttpClient { BaseAddress = new Uri(baseAddress + "/") };
        using var anonymous = new HttpClient { BaseAddress = client.BaseAddress };
        client.DefaultRequestHeaders.Add("x-functions-key", apiKey);

        // Act
        using var submitted = await client.PostAsync("jobs", new StringContent("""{"prompt":"Hello, serve"}""", Encoding.UTF8, "application/json"));
        var accepted = JsonSerializer.Deserialize<JobAccepted>(await submitted.Content.ReadAsStringAsync(), ContractJson.Options)!;
        using var polled = await client.GetAsync($"jobs/{accepted.Id}?wait=60");
        var view = JsonSerializer.Deserialize<JobView>(await polled.Content.ReadAsStringAsync(), ContractJson.Options)!;
        using var withoutKey = await anonymous.GetAsync($"jobs/{accepted.Id}");
        using var health = await anonymous.GetAsync("health");
        var stopped = await PromptqProcess.SignalAsync(serve, "TERM", "serve");

        // Assert
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        Assert.Equal(JobStatus.Completed, view.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, withoutKey.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(Promptq.ExitInterrupted, stopped.ExitCode);
        Assert.Contains("API key required in the x-functions-key header", servingLine, StringComparison.Ordinal);
        Assert.DoesNotContain(apiKey, servingLine + stopped.Output + stopped.Errors, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://0.0.0.0:7071")]
    [InlineData("http://127.0.0.1:7071;http://192.0.2.10:7071")]
    [InlineData("http://*:7071")]
    public async Task Serve_DevOnANonLoopbackUrl_RefusesToStart(string urls)
    {
        // Act
        var run = await PromptqProcess.RunAsync(PromptqProcess.IsolatedStorage(azurite, "serve"), "serve", "--dev", "--urls", urls);

        // Assert
        Assert.Equal(64, run.ExitCode);
        Assert.Contains("is not a loopback address", run.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_DevWithAnExtraEndpointFromConfiguration_StopsBeforeServing()
    {
        // Arrange: configuration adds a Kestrel endpoint that --urls never named.
        var environment = PromptqProcess.IsolatedStorage(azurite, "serve");
        environment["Kestrel__Endpoints__Extra__Url"] = "http://0.0.0.0:0";

        // Act
        var run = await PromptqProcess.RunAsync(environment, "serve", "--dev");

        // Assert
        Assert.Equal(64, run.ExitCode);
        Assert.Contains("--dev serves only this machine, but the server also listens on 'http://0.0.0.0:", run.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("Serving the PromptQueue API", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_WithoutKeyOrDev_RefusesToStartAndSaysHowToFixIt()
    {
        // Act
        var run = await PromptqProcess.RunAsync(PromptqProcess.IsolatedStorage(azurite, "serve"), "serve");

        // Assert
        Assert.Equal(64, run.ExitCode);
        Assert.Contains("serve needs an API key: set PromptQueue__Http__ApiKey", run.Errors, StringComparison.Ordinal);
    }

    /// <summary>Reads serve's output up to the line that says where it listens; returns that address and the line.</summary>
    private static async Task<(string Url, string Line)> ReadServingLineAsync(System.Diagnostics.Process serve)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (await serve.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (ServingLine().Match(line) is { Success: true } match)
            {
                return (match.Groups["url"].Value, line);
            }
        }

        throw new InvalidOperationException($"promptq serve ended before it said where it serves: {await serve.StandardError.ReadToEndAsync()}");
    }


    [GeneratedRegex("^Serving the PromptQueue API at (?<url>http://\\S+/api) ")]
    private static partial Regex ServingLine();
}
