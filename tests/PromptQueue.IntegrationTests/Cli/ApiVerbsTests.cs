using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using PromptQueue.Cli;
using PromptQueue.Cli.Commands;

namespace PromptQueue.IntegrationTests.Cli;

/// <summary>
/// <c>promptq submit | status | watch</c> against a scripted stand-in for the HTTP API: what they send, what they
/// print, and their exit codes. They need no storage, so no Azurite here.
/// </summary>
public sealed class ApiVerbsTests : IAsyncLifetime
{
    private const string Key = "cli-test-key-0042";
    private StubApiServer _server = null!;

    public async Task InitializeAsync() => _server = await StubApiServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Submit_FileWithUrlAndKeyFromEnvironment_PostsTheFileAndPrintsTheId()
    {
        // Arrange
        _server.Json(202, """{"id":"job-cli-1","status":"Queued","status_url":"/api/jobs/job-cli-1","created":true}""");
        var file = Path.Combine(Path.GetTempPath(), $"promptq-submit-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, """{"prompt":"Why is the sky blue?"}""");
        var environment = new Dictionary<string, string?> { [ApiCommands.UrlVariable] = _server.Url.ToString(), [ApiCommands.KeyVariable] = Key };

        try
        {
            // Act
            var result = await RunWithEnvironmentAsync(environment, "submit", file);

            // Assert
            Assert.Equal(Promptq.ExitOk, result.ExitCode);
            Assert.Equal("job-cli-1", result.Output.Trim());
            var request = Assert.Single(_server.Requests);
            Assert.Equal(("POST", "/api/jobs", Key, """{"prompt":"Why is the sky blue?"}"""), (request.Method, request.PathAndQuery, request.Key, request.Body));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Submit_StandardInputWithWait_WaitsAndPrintsAnswerAndReasoning()
    {
        // Arrange
        _server.Json(202, """{"id":"job-cli-2","status":"Queued","status_url":"/api/jobs/job-cli-2","created":true}""")
               .Json(200, """{"id":"job-cli-2","status":"Running","attempts":1}""")
               .Json(200, """{"id":"job-cli-2","status":"Completed","attempts":1,"answer":"Rayleigh scattering.","finish_reason":"stop","has_reasoning":true,"usage":{"total_tokens":42,"reasoning_tokens":30}}""")
               .Json(200, """{"id":"job-cli-2","reasoning":"Short wavelengths scatter more.","reasoning_details":[{"type":"reasoning.text","text":"Short wavelengths scatter more."}]}""");

        // Act
        var result = await RunAsync(Input("""{"prompt":"Why is the sky blue?"}"""), "submit", "-", "--wait", "--url", _server.Url.ToString(), "--key", Key);

        // Assert
        Assert.Equal(Promptq.ExitOk, result.ExitCode);
        Assert.StartsWith("job-cli-2" + Environment.NewLine, result.Output, StringComparison.Ordinal);
        Assert.Contains("== job-cli-2  Completed", result.Output, StringComparison.Ordinal);
        Assert.Contains("42 tokens (30 reasoning)", result.Output, StringComparison.Ordinal);
        Assert.Contains("Reasoning (31 characters):", result.Output, StringComparison.Ordinal);
        Assert.Contains("\"type\": \"reasoning.text\"", result.Output, StringComparison.Ordinal);
        Assert.Contains("Answer (finish reason stop):" + Environment.NewLine + "  Rayleigh scattering.", result.Output, StringComparison.Ordinal);
        Assert.Equal(
            ["POST /api/jobs", "GET /api/jobs/job-cli-2?wait=60", "GET /api/jobs/job-cli-2?wait=60", "GET /api/jobs/job-cli-2/reasoning"],
            _server.Requests.Select(r => $"{r.Method} {r.PathAndQuery}"));
        Assert.All(_server.Requests, r => Assert.Equal(Key, r.Key));
    }

    [Fact]
    public async Task Submit_InvalidJob_PrintsEveryFieldErrorWithoutAStackTrace()
    {
        // Arrange
        _server.Problem(400, "Invalid job", "The job has 2 problems.",
            """[{"path":"$.prompt","message":"must not be empty"},{"path":"$.temprature","message":"is not a field of a v1 job"}]""");

        // Act
        var result = await RunAsync(Input("""{"prompt":"","temprature":1}"""), "submit", "-", "--url", _server.Url.ToString());

        // Assert
        Assert.Equal(Promptq.ExitUsage, result.ExitCode);
        Assert.Contains("promptq: PromptQueue answered 400 Invalid job: The job has 2 problems.", result.Errors, StringComparison.Ordinal);
        Assert.Contains("  $.prompt: must not be empty", result.Errors, StringComparison.Ordinal);
        Assert.Contains("  $.temprature: is not a field of a v1 job", result.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_Json_PrintsTheJobViewAsTheApiSentIt()
    {
        // Arrange
        _server.Json(200, """{"id":"job-cli-3","status":"Waiting","attempts":0,"wait_reason":"DailyLimit","next_attempt_at":"2026-03-02T00:00:00+00:00"}""");

        // Act
        var result = await RunAsync(Stream.Null, "status", "job-cli-3", "--json", "--url", _server.Url.ToString());

        // Assert
        Assert.Equal(Promptq.ExitOk, result.ExitCode);
        using var printed = JsonDocument.Parse(result.Output);
        Assert.Equal("Waiting", printed.RootElement.GetProperty("status").GetString());
        Assert.Equal("DailyLimit", printed.RootElement.GetProperty("wait_reason").GetString());
        Assert.Equal("GET /api/jobs/job-cli-3", _server.Requests.Single() is var r ? $"{r.Method} {r.PathAndQuery}" : "");
    }

    [Fact]
    public async Task Status_FailedJob_PrintsAHumanSummaryWithTheError()
    {
        // Arrange
        _server.Json(200, """{"id":"job-cli-4","status":"Failed","attempts":3,"model":"openai/gpt-oss-120b:free","error":{"code":"model_not_found","message":"No endpoints found","http_status":404}}""");

        // Act
        var result = await RunAsync(Stream.Null, "status", "job-cli-4", "--url", _server.Url.ToString());

        // Assert
        Assert.Equal(Promptq.ExitOk, result.ExitCode);
        Assert.Contains("== job-cli-4  Failed  openai/gpt-oss-120b:free", result.Output, StringComparison.Ordinal);
        Assert.Contains("attempts 3", result.Output, StringComparison.Ordinal);
        Assert.Contains("Error (HTTP 404, model_not_found): No endpoints found", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_UnknownJob_SaysSoAndExitsWithUsage()
    {
        // Arrange
        _server.Problem(404, "Not found", "No job 'job-nope'.");

        // Act
        var result = await RunAsync(Stream.Null, "status", "job-nope", "--url", _server.Url.ToString());

        // Assert
        Assert.Equal(Promptq.ExitUsage, result.ExitCode);
        Assert.Equal($"promptq: no job 'job-nope' at {_server.Url}.", result.Errors.Trim());
    }

    [Fact]
    public async Task Status_KeyRefused_TellsWhichSettingToFixAndNeverPrintsTheKey()
    {
        // Arrange
        _server.Problem(401, "Unauthorized", "A valid x-functions-key header is required.");

        // Act
        var result = await RunAsync(Stream.Null, "status", "job-cli-5", "--url", _server.Url.ToString(), "--key", Key);

        // Assert
        Assert.Equal(Promptq.ExitUnavailable, result.ExitCode);
        Assert.Contains("refused the key (401): check PROMPTQ_API_KEY", result.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, result.Errors + result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_ServerNotRunning_SaysItCannotReachItWithoutAStackTrace()
    {
        // Arrange: a port that was free a moment ago and has no listener now.
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();

        // Act: through promptq's own entry point, which must hand the verb over without preparing local storage.
        using var output = new StringWriter();
        using var errors = new StringWriter();
        var exit = await Promptq.RunAsync(["status", "job-cli-6", "--url", $"http://127.0.0.1:{port}"], output, errors);
        var result = new Result(exit, output.ToString(), errors.ToString());

        // Assert
        Assert.Equal(Promptq.ExitUnavailable, result.ExitCode);
        Assert.StartsWith($"promptq: cannot reach PromptQueue at http://127.0.0.1:{port}/", result.Errors, StringComparison.Ordinal);
        Assert.Contains("promptq serve", result.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("Azurite", result.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_JobThatCompletes_ShowsEachStateThenTheSummaryAndExitsZero()
    {
        // Arrange
        _server.Json(200, """{"id":"job-cli-7","status":"Queued","attempts":0}""")
               .Json(200, """{"id":"job-cli-7","status":"Waiting","attempts":0,"wait_reason":"Spacing","next_attempt_at":"2026-03-01T12:00:03+00:00"}""")
               .Json(200, """{"id":"job-cli-7","status":"Completed","attempts":1,"answer":"Done.","finish_reason":"stop"}""");

        // Act
        var result = await RunAsync(Stream.Null, "watch", "job-cli-7", "--url", _server.Url.ToString());

        // Assert
        Assert.Equal(Promptq.ExitOk, result.ExitCode);
        var lines = result.Output.Split(Environment.NewLine);
        Assert.Equal("job-cli-7: Queued, 0 attempt(s)", lines[0]);
        Assert.Equal("job-cli-7: Waiting until 12:00:03 UTC (Spacing), 0 attempt(s)", lines[1]);
        Assert.Equal("job-cli-7: Completed, 1 attempt(s)", lines[2]);
        Assert.Contains("Answer (finish reason stop):" + Environment.NewLine + "  Done.", result.Output, StringComparison.Ordinal);
        Assert.All(_server.Requests, r => Assert.Equal("GET /api/jobs/job-cli-7?wait=10", $"{r.Method} {r.PathAndQuery}"));
        Assert.Equal(3, _server.Requests.Count);
    }

    [Fact]
    public async Task Watch_JobThatFails_ExitsThree()
    {
        // Arrange
        _server.Json(200, """{"id":"job-cli-8","status":"Failed","attempts":1,"error":{"code":"invalid_job","message":"bad"}}""");

        // Act
        var result = await RunAsync(Stream.Null, "watch", "job-cli-8", "--url", _server.Url.ToString());

        // Assert
        Assert.Equal(Promptq.ExitJobsFailed, result.ExitCode);
        Assert.Contains("Error (invalid_job): bad", result.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("status")]
    [InlineData("status --url ftp://example.test job-1")]
    [InlineData("watch job-1 --json")]
    public async Task ApiVerb_BadCommandLine_ExplainsAndExitsWithUsage(string commandLine)
    {
        // Act
        var result = await RunAsync(Stream.Null, commandLine.Split(' '));

        // Assert
        Assert.Equal(Promptq.ExitUsage, result.ExitCode);
        Assert.StartsWith("promptq: ", result.Errors, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task Status_NotAJobId_SaysSoOnOneLineAndExitsWithUsage()
    {
        // Act
        var result = await RunAsync(Stream.Null, "status", "bad id!", "--url", _server.Url.ToString());

        // Assert
        Assert.Equal(Promptq.ExitUsage, result.ExitCode);
        Assert.StartsWith("promptq: 'bad id!' is not a job id", result.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Errors, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("help")]
    public async Task Help_ListsTheHttpVerbsAndTheirSettings(string word)
    {
        // Act
        using var output = new StringWriter();
        var exit = await Promptq.RunAsync([word], output, TextWriter.Null);

        // Assert
        Assert.Equal(Promptq.ExitOk, exit);
        Assert.Contains("submit <FILE>", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("watch <ID>", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("PROMPTQ_API_KEY", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CommandHelp_ShowsTheCommandsOptions()
    {
        // Act
        using var output = new StringWriter();
        var exit = await Promptq.RunAsync(["submit", "--help"], output, TextWriter.Null);

        // Assert
        Assert.Equal(Promptq.ExitOk, exit);
        Assert.Contains("--wait", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("--url <URL>", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MistypedCommand_SuggestsTheCommandAndExitsWithUsage()
    {
        // Act
        using var errors = new StringWriter();
        var exit = await Promptq.RunAsync(["sumbit", "job.json"], TextWriter.Null, errors);

        // Assert
        Assert.Equal(Promptq.ExitUsage, exit);
        Assert.Contains("promptq: Unrecognized command or argument 'sumbit'.", errors.ToString(), StringComparison.Ordinal);
        Assert.Contains("Did you mean 'submit'?", errors.ToString(), StringComparison.Ordinal);
        Assert.Contains("See 'promptq --help'.", errors.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Required command", errors.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_PrintsTheVersion()
    {
        // Act
        using var output = new StringWriter();
        var exit = await Promptq.RunAsync(["--version"], output, TextWriter.Null);

        // Assert
        Assert.Equal(Promptq.ExitOk, exit);
        Assert.Matches(@"^\d+\.\d+\.\d+", output.ToString());
    }

    private sealed record Result(int ExitCode, string Output, string Errors);

    /// <summary>Runs the verb as the dispatcher does, with no PROMPTQ_* variables: the test passes --url and --key.</summary>
    private static Task<Result> RunAsync(Stream input, params string[] args) =>
        RunWithEnvironmentAsync(new Dictionary<string, string?>(), input, args);

    private static Task<Result> RunWithEnvironmentAsync(IReadOnlyDictionary<string, string?> environment, params string[] args) =>
        RunWithEnvironmentAsync(environment, Stream.Null, args);

    private static MemoryStream Input(string text) => new(System.Text.Encoding.UTF8.GetBytes(text));

    private static async Task<Result> RunWithEnvironmentAsync(IReadOnlyDictionary<string, string?> environment, Stream input, string[] args)
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();
        var exit = await Promptq.RunAsync(args, new PromptqConsole(input, output, errors, name => environment.GetValueOrDefault(name)));
        return new Result(exit, output.ToString(), errors.ToString());
    }
}
