using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure.Storage.Queues;
using PromptQueue.Cli.Local;
using PromptQueue.Client;
using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;
using PromptQueue.Simulator;

namespace PromptQueue.FunctionsHost.E2E;

/// <summary>Where the app to check is, and where the hosts' logs go.</summary>
internal sealed record CheckArguments(string AppDirectory, string WorkDirectory)
{
    public static CheckArguments Parse(string[] args)
    {
        string? app = null;
        string? work = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--app" when i + 1 < args.Length:
                    app = args[++i];
                    break;
                case "--work" when i + 1 < args.Length:
                    work = args[++i];
                    break;
                default:
                    throw new ArgumentException($"Unknown argument '{args[i]}'. Usage: --app <Functions build output> [--work <log folder>]");
            }
        }

        if (app is null || !File.Exists(Path.Combine(app, "functions.metadata")))
        {
            throw new ArgumentException(
                $"--app must name the Functions app's build output (a folder with functions.metadata); got '{app}'. " +
                "Build it first: dotnet build src/PromptQueue.Functions");
        }

        work ??= Directory.CreateTempSubdirectory("promptqueue-host-e2e-").FullName;
        Directory.CreateDirectory(work);
        return new CheckArguments(Path.GetFullPath(app), Path.GetFullPath(work));
    }
}

/// <summary>
/// Runs the Functions app under a real Functions host against Azurite and the simulator, the way a team meets it,
/// and checks what the host does with it: indexing, queue jobs in both encodings, function keys, rejection, the
/// app's logs in the host's output, one trace per job, a stop in the middle of a call, and the batch timer.
/// </summary>
internal sealed class HostCheck : IAsyncDisposable
{
    private const string JobQueue = "prompt-jobs";
    private const string HostStarted = "Job host started";
    private static readonly TimeSpan HostStartTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(2);

    /// <summary>The issue's bound: a job whose host was stopped mid-call completes within this after the restart.</summary>
    private static readonly TimeSpan ResumeBound = TimeSpan.FromMinutes(3);

    private readonly CheckArguments _arguments;
    private readonly string _run = RandomNumberGenerator.GetHexString(8, lowercase: true);
    private readonly string _functionKey = "e2e-function-key-" + RandomNumberGenerator.GetHexString(16, lowercase: true);
    private readonly string _modelKey = "e2e-model-key-" + RandomNumberGenerator.GetHexString(16, lowercase: true);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<string> _passed = [];
    private AzuriteProcess? _azurite;
    private OpenRouterSimulator? _simulator;
    private FunctionsHostProcess? _host;
    private HostLauncher? _launcher;
    private Dictionary<string, string> _environment = [];
    private HttpClient? _http;
    private int _hostRuns;

    private HostCheck(CheckArguments arguments) => _arguments = arguments;

    private Uri BaseAddress => new(_environment["ASPNETCORE_URLS"] + "/");

    public static async Task<int> RunAsync(CheckArguments arguments)
    {
        await using var check = new HostCheck(arguments);
        try
        {
            await check.RunStepsAsync();
            Console.WriteLine();
            Console.WriteLine($"PASSED: {check._passed.Count} checks in {check._clock.Elapsed.TotalSeconds:F0} s, under {check._launcher?.Name}.");
            return 0;
        }
        catch (Exception ex) when (ex is CheckFailedException or TimeoutException or InvalidOperationException or PromptQueueApiException or HttpRequestException)
        {
            Console.WriteLine();
            Console.WriteLine($"FAILED: {ex.Message}");
            if (check._host is { } host)
            {
                Console.WriteLine("---- last 80 lines of the host's output ----");
                foreach (var line in host.Output.Split('\n').TakeLast(80))
                {
                    Console.WriteLine(line.TrimEnd('\r'));
                }
            }

            Console.WriteLine($"Full host logs: {arguments.WorkDirectory}");
            return 1;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        _http?.Dispose();
        if (_simulator is not null)
        {
            await _simulator.DisposeAsync();
        }

        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }

    private async Task RunStepsAsync()
    {
        await StartDependenciesAsync();
        var functions = FunctionNames();
        await StartHostAsync();
        CheckIndexing(functions);

        var queue = new QueueClient(_azurite!.ConnectionString, JobQueue, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });
        await CheckQueueJobAsync(queue, "plain", base64: false);
        await CheckQueueJobAsync(queue, "base64", base64: true);
        var httpJob = await CheckHttpAsync();
        await CheckRejectedOnceAsync(queue);
        await CheckTraceAsync(httpJob);
        await CheckBatchDrainedByTimerAsync();
        await CheckStoppedMidCallAsync(queue, crash: false);
        await CheckStoppedMidCallAsync(queue, crash: true);
        await CheckNothingPoisonedAsync();
        CheckNoSecretsInOutput();
    }

    private async Task StartDependenciesAsync()
    {
        _azurite = await AzuriteProcess.StartAsync(null, 0, 0, 0, CancellationToken.None);
        _simulator = await OpenRouterSimulator.StartAsync(new SimulatorOptions { RequiredApiKey = _modelKey });
        var port = FreePort();
        _launcher = HostLauncher.Find(RepositoryRoot(), _arguments.AppDirectory, port);
        _environment = new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = _azurite.ConnectionString,
            ["OpenRouter__BaseUrl"] = _simulator.BaseUrl.ToString(),
            ["OpenRouter__ApiKey"] = _modelKey,
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["HOST_FUNCTION_KEY"] = _functionKey,

            // Every five seconds instead of every minute, so the batch check takes seconds.
            ["PromptQueue__Batches__DispatchSchedule"] = "*/5 * * * * *",

            // The worker prints its spans; the host forwards the worker's standard output to its own.
            ["PromptQueue__Telemetry__Console"] = "true",
        };
        _http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        Pass($"Azurite on queue port {_azurite.QueuePort}, simulator at {_simulator.BaseUrl}, host on port {port}, under {_launcher.Name}");
    }

    private async Task StartHostAsync()
    {
        _hostRuns++;
        var log = Path.Combine(_arguments.WorkDirectory, $"host-{_hostRuns}.log");
        var environment = new Dictionary<string, string>(_environment)
        {
            ["RUNDIR"] = Directory.CreateDirectory(Path.Combine(_arguments.WorkDirectory, $"run-{_hostRuns}")).FullName,
        };
        var started = Stopwatch.StartNew();
        _host = FunctionsHostProcess.Start(_launcher!, _arguments.AppDirectory, environment, log);
        await _host.WaitForOutputAsync(HostStarted, HostStartTimeout);

        // The job host starts before the web host listens: the first request may otherwise be refused.
        await WaitUntilAsync(IsServingAsync, HostStartTimeout - started.Elapsed, "the host to answer GET /api/health");
        Pass($"host run {_hostRuns} started in {started.Elapsed.TotalSeconds:F1} s (log {log})");
    }

    private void CheckIndexing(List<string> functions)
    {
        var output = _host!.Output;
        var missing = functions.Where(name => !output.Contains(name, StringComparison.Ordinal)).ToList();
        Require(missing.Count == 0, $"the host listed every function of functions.metadata; missing: {string.Join(", ", missing)}");
        foreach (var sign in new[] { "Error indexing method", "functions are in error", "function is in error", "does not resolve to a value" })
        {
            Require(!output.Contains(sign, StringComparison.OrdinalIgnoreCase), $"the host reported no indexing error, but it printed '{sign}'");
        }

        Pass($"all {functions.Count} functions indexed, no indexing errors: {string.Join(", ", functions)}");
    }

    private async Task CheckQueueJobAsync(QueueClient queue, string encoding, bool base64)
    {
        var id = $"e2e-{encoding}-{_run}";
        var json = JsonSerializer.Serialize(new { id, prompt = $"Say hello over a {encoding} queue message." });
        await queue.SendMessageAsync(base64 ? Convert.ToBase64String(Encoding.UTF8.GetBytes(json)) : json);
        var job = await WaitForQueueJobAsync(id, JobTimeout);
        Require(job.Status == JobStatus.Completed, $"the {encoding} queue job {id} Completed; it is {job.Status} ({job.Error?.Message})");
        Require(!string.IsNullOrEmpty(job.Answer), $"the {encoding} queue job {id} has an answer");
        var reasoning = await Client().GetReasoningAsync(id);
        Require(job.HasReasoning && !string.IsNullOrEmpty(reasoning?.Reasoning) && reasoning.ReasoningDetails is { ValueKind: JsonValueKind.Array } details && details.GetArrayLength() > 0,
            $"the {encoding} queue job {id} kept its reasoning text and reasoning_details");
        Pass($"{encoding} queue job {id} Completed with its reasoning ({reasoning!.Reasoning!.Length} chars, {reasoning.ReasoningDetails!.Value.GetArrayLength()} reasoning_details item(s))");
    }

    private async Task<string> CheckHttpAsync()
    {
        using (var health = await _http!.GetAsync(new Uri("api/health", UriKind.Relative)))
        {
            Require(health.StatusCode == HttpStatusCode.OK, $"GET /api/health without a key answered 200 (anonymous); got {(int)health.StatusCode}");
        }

        var body = JsonSerializer.Serialize(new { prompt = "Say hello over HTTP." });
        if (_launcher!.EnforcesKeys)
        {
            await RequireStatusAsync(HttpMethod.Post, "api/jobs", body, key: null, HttpStatusCode.Unauthorized);
            await RequireStatusAsync(HttpMethod.Post, "api/jobs", body, key: "not-the-key", HttpStatusCode.Unauthorized);
        }

        var accepted = await Client().SubmitJsonAsync(body);
        Require(accepted.Status == JobStatus.Queued, $"POST /api/jobs with the key accepted the job as Queued; got {accepted.Status}");
        if (_launcher.EnforcesKeys)
        {
            await RequireStatusAsync(HttpMethod.Get, $"api/jobs/{accepted.Id}", null, key: null, HttpStatusCode.Unauthorized);
        }

        var job = await Client().WaitForCompletionAsync(accepted.Id, JobTimeout);
        Require(job.Status == JobStatus.Completed && !string.IsNullOrEmpty(job.Answer), $"the HTTP job {accepted.Id} Completed with an answer; it is {job.Status}");
        Pass(_launcher.EnforcesKeys
            ? $"HTTP: health 200 without a key; submit and read 401 without a key and with a wrong one; with the key 202, then {accepted.Id} Completed"
            : $"HTTP: health 200; submit 202 and {accepted.Id} Completed (Core Tools does not enforce keys locally, so the 401s are not checked under func)");
        return accepted.Id;
    }

    private async Task CheckRejectedOnceAsync(QueueClient queue)
    {
        var id = $"e2e-bad-{_run}";
        await queue.SendMessageAsync(JsonSerializer.Serialize(new { id, prompt = 42 }));
        var job = await WaitForQueueJobAsync(id, JobTimeout);
        Require(job.Status == JobStatus.Rejected, $"the malformed message {id} was Rejected; it is {job.Status}");

        // The rejection is the app's own warning: that it is in the host's output proves the app's logs reach the host.
        var logLine = $"Job {id} rejected";
        await _host!.WaitForOutputAsync(logLine, TimeSpan.FromSeconds(30));
        var properties = await queue.GetPropertiesAsync();
        Require(Occurrences(_host.Output, logLine) == 1, $"the app logged the rejection of {id} once; it did {Occurrences(_host.Output, logLine)} times");
        Pass($"malformed message {id} Rejected once ({job.Error?.Code}: {job.Error?.Message}); the app's log line '{logLine}' is in the host's output" +
             $"{CategoryOf(logLine)}; {properties.Value.ApproximateMessagesCount} message(s) left on the job queue");
    }

    private async Task CheckTraceAsync(string jobId)
    {
        var spans = await WaitForTraceAsync(jobId, TimeSpan.FromSeconds(30));
        var names = spans.Select(span => span.Name).ToList();
        Require(names.Contains("job submit") && names.Contains("job queue wait") && names.Contains("job process"),
            $"the trace of {jobId} holds job submit, job queue wait and job process; it holds: {string.Join(", ", names)}");
        Require(spans.Any(span => span.Source.StartsWith("Azure.", StringComparison.Ordinal)),
            $"the trace of {jobId} holds storage calls (an Azure.* source); sources: {string.Join(", ", spans.Select(span => span.Source).Distinct())}");
        Require(spans.Any(span => span.Name.StartsWith("chat ", StringComparison.Ordinal)) && spans.Any(span => span.Block.Contains("/chat/completions", StringComparison.Ordinal)),
            $"the trace of {jobId} holds the model call (a chat span and its HTTP request); it holds: {string.Join(", ", names)}");
        Require(spans.All(span => span.Block.Contains("service.name: promptqueue-functions", StringComparison.Ordinal)),
            $"every span of {jobId} names the service promptqueue-functions (the site name in Azure), not unknown_service");
        var summary = spans.GroupBy(span => span.Name).Select(group => group.Count() == 1 ? group.Key : $"{group.Key} x{group.Count()}");
        Pass($"one trace ({spans[0].TraceId}) for {jobId}, {spans.Count} spans: {string.Join(", ", summary)}");
    }

    private async Task CheckBatchDrainedByTimerAsync()
    {
        var samples = Path.Combine(RepositoryRoot(), "samples", "prompts.jsonl");
        await using var lines = File.OpenRead(samples);
        var accepted = await Client().SubmitBatchJsonLinesAsync(lines);
        var deadline = Stopwatch.StartNew();
        BatchView? batch;
        do
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            batch = await Client().GetBatchAsync(accepted.Id);
        }
        while (batch is { Status: BatchStatus.Dispatching or BatchStatus.Running } && deadline.Elapsed < JobTimeout);

        Require(batch is { Status: BatchStatus.Completed, Pending: 0 } && batch.Counts.GetValueOrDefault(JobStatus.Completed) == accepted.Items,
            $"the timer drained batch {accepted.Id} of {accepted.Items} items (samples/prompts.jsonl) within {JobTimeout}; it is {batch?.Status}, counts {Describe(batch?.Counts)}");
        Pass($"batch {accepted.Id} of {accepted.Items} items from samples/prompts.jsonl drained by the DispatchBatches timer in {deadline.Elapsed.TotalSeconds:F0} s: {Describe(batch!.Counts)}");
    }

    /// <summary>
    /// Stops the host in the middle of a model call, then starts it again: the job must complete within
    /// <see cref="ResumeBound"/> of the restart, with one result and at most one extra call. A SIGTERM lets the worker
    /// hand the job back; a kill -9 of the host and its worker leaves the job Running, for the claim's watch to recover.
    /// </summary>
    private async Task CheckStoppedMidCallAsync(QueueClient queue, bool crash)
    {
        var how = crash ? "kill -9" : "SIGTERM";
        var id = $"e2e-{(crash ? "killed" : "stopped")}-{_run}";
        var marker = $"{how} mid-call {_run}";
        _simulator!.HoldResponses();
        await queue.SendMessageAsync(JsonSerializer.Serialize(new { id, prompt = $"Say hello ({marker})." }));
        await WaitUntilAsync(() => Task.FromResult(CallsFor(marker) == 1 && _simulator.InFlightCount == 1), TimeSpan.FromMinutes(1), $"the model call of {id} to start");
        var running = await Client().GetAsync(id);
        Require(running?.Status == JobStatus.Running, $"job {id} is Running while its call is held; it is {running?.Status}");

        var first = _host!;
        var stopped = crash ? first.Kill() : await first.TerminateAsync(TimeSpan.FromMinutes(1));
        await first.DisposeAsync();
        _simulator.ReleaseResponses();
        Require(!first.Output.Contains($"Job {id} completed", StringComparison.Ordinal), $"job {id} did not complete before the host stopped");
        Pass($"{how} of the host with {id} mid-call: the host was gone after {stopped.TotalSeconds:F1} s; " +
             (first.Output.Contains($"Job {id} released", StringComparison.Ordinal) ? "the worker handed the job back" : "the job was left Running"));

        var restarted = Stopwatch.StartNew();
        await StartHostAsync();
        var job = await Client().WaitForCompletionAsync(id, ResumeBound - restarted.Elapsed);
        var resumedAfter = restarted.Elapsed;
        Require(job.Status == JobStatus.Completed && !string.IsNullOrEmpty(job.Answer), $"job {id} Completed after the restart; it is {job.Status} ({job.Error?.Message})");
        var completions = Occurrences(_host!.Output, $"Job {id} completed");
        Require(completions == 1, $"job {id} was completed once after the restart; the host logged it {completions} times");
        Require(CallsFor(marker) == 2, $"job {id} cost one extra model call (2 in all); it cost {CallsFor(marker)}");
        Pass($"after the restart, {id} Completed in {resumedAfter.TotalSeconds:F0} s (bound {ResumeBound.TotalMinutes:F0} min) with one result, {CallsFor(marker)} model calls in all, attempts {job.Attempts}");
    }

    private async Task CheckNothingPoisonedAsync()
    {
        var poison = new QueueClient(_azurite!.ConnectionString, JobQueue + "-poison");
        var exists = await poison.ExistsAsync();
        var count = exists.Value ? (await poison.GetPropertiesAsync()).Value.ApproximateMessagesCount : 0;
        Require(count == 0, $"no message reached {JobQueue}-poison; it holds {count}");
        Pass($"{JobQueue}-poison is empty");
    }

    private void CheckNoSecretsInOutput()
    {
        var output = _host!.Output;
        Require(!output.Contains(_modelKey, StringComparison.Ordinal), "the OpenRouter key appears nowhere in the host's output");
        Require(!output.Contains(_functionKey, StringComparison.Ordinal), "the function key appears nowhere in the host's output");
        Require(!output.Contains("Say hello", StringComparison.Ordinal), "no prompt text appears in the host's output (logs and spans)");
        Pass("no key and no prompt text in the host's output, logs and spans alike");
    }

    private async Task<IReadOnlyList<ConsoleSpan>> WaitForTraceAsync(string jobId, TimeSpan timeout)
    {
        var started = Stopwatch.StartNew();
        while (true)
        {
            var spans = ConsoleSpan.Parse(_host!.Output);
            var submit = spans.FirstOrDefault(span => span.Name == "job submit" && span.Block.Contains(jobId, StringComparison.Ordinal));
            if (submit is not null)
            {
                var trace = spans.Where(span => span.TraceId == submit.TraceId).ToList();
                if (trace.Any(span => span.Name == "job process") || started.Elapsed > timeout)
                {
                    return trace;
                }
            }
            else if (started.Elapsed > timeout)
            {
                throw new CheckFailedException($"no 'job submit' span for {jobId} in the host's output: the worker's console exporter printed {spans.Count} spans");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }
    }

    /// <summary>Waits for a job sent on the queue: it has no record until the worker first takes its message.</summary>
    private async Task<JobView> WaitForQueueJobAsync(string id, TimeSpan timeout)
    {
        var started = Stopwatch.StartNew();
        await WaitUntilAsync(async () => await Client().GetAsync(id) is not null, timeout, $"the worker to take job {id} from the queue");
        return await Client().WaitForCompletionAsync(id, timeout - started.Elapsed);
    }

    private async Task<bool> IsServingAsync()
    {
        try
        {
            using var response = await _http!.GetAsync(new Uri("api/health", UriKind.Relative));
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException) when (!_host!.HasExited)
        {
            return false;
        }
    }

    private PromptQueueClient Client() =>
        new(_http!, new PromptQueueClientOptions { BaseAddress = BaseAddress, ApiKey = _functionKey, LongPollRound = TimeSpan.FromSeconds(20) });

    private async Task RequireStatusAsync(HttpMethod method, string path, string? body, string? key, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        if (key is not null)
        {
            request.Headers.Add("x-functions-key", key);
        }

        using var response = await _http!.SendAsync(request);
        Require(response.StatusCode == expected,
            $"{method} /{path} {(key is null ? "without a key" : "with a wrong key")} answered {(int)expected}; got {(int)response.StatusCode}");
    }

    private int CallsFor(string marker) => _simulator!.ReceivedBodies.Count(body => body.Contains(marker, StringComparison.Ordinal));

    private string CategoryOf(string text)
    {
        var output = _host!.Output;
        var at = output.IndexOf(text, StringComparison.Ordinal);
        var lineStart = output.LastIndexOf('\n', Math.Max(0, at - 2)) + 1;
        var previous = output.LastIndexOf('\n', Math.Max(0, lineStart - 2)) + 1;
        var header = output[previous..lineStart].Trim();
        return header.Contains("Function.", StringComparison.Ordinal) ? $" under '{header}'" : "";
    }

    private List<string> FunctionNames()
    {
        using var metadata = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_arguments.AppDirectory, "functions.metadata")));
        return metadata.RootElement.EnumerateArray().Select(function => function.GetProperty("name").GetString()!).Order(StringComparer.Ordinal).ToList();
    }

    private void Pass(string what)
    {
        _passed.Add(what);
        Console.WriteLine($"[{_clock.Elapsed.TotalSeconds,6:F1} s] ok: {what}");
    }

    private static void Require(bool condition, string what)
    {
        if (!condition)
        {
            throw new CheckFailedException(what);
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var started = Stopwatch.StartNew();
        while (!await condition())
        {
            if (started.Elapsed > timeout)
            {
                throw new CheckFailedException($"timed out after {timeout} waiting for {what}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
    }

    private static int Occurrences(string text, string value)
    {
        var count = 0;
        for (var at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static string Describe(IReadOnlyDictionary<JobStatus, int>? counts) =>
        counts is null ? "none" : string.Join(", ", counts.Select(pair => $"{pair.Key} {pair.Value}"));

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Functions.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"Functions.sln is not above {AppContext.BaseDirectory}; run the check from the repository's build output.");
    }
}

/// <summary>A check that did not hold; its message says what was expected and what was found.</summary>
internal sealed class CheckFailedException(string message) : Exception(message);

/// <summary>One span as OpenTelemetry's console exporter prints it: the lines from <c>Activity.TraceId:</c> to the next.</summary>
internal sealed record ConsoleSpan(string TraceId, string Name, string Source, string Block)
{
    private const string TraceIdLabel = "Activity.TraceId:";

    public static IReadOnlyList<ConsoleSpan> Parse(string output)
    {
        var spans = new List<ConsoleSpan>();
        var starts = new List<int>();
        for (var at = output.IndexOf(TraceIdLabel, StringComparison.Ordinal); at >= 0; at = output.IndexOf(TraceIdLabel, at + 1, StringComparison.Ordinal))
        {
            starts.Add(at);
        }

        for (var i = 0; i < starts.Count; i++)
        {
            var block = output[starts[i]..(i + 1 < starts.Count ? starts[i + 1] : output.Length)];
            var traceId = ValueAfter(block, TraceIdLabel);
            var name = ValueAfter(block, "Activity.DisplayName:");
            var scope = block.IndexOf("Instrumentation scope (ActivitySource):", StringComparison.Ordinal);
            var source = scope >= 0 ? ValueAfter(block[scope..], "Name:") : "";
            if (traceId.Length > 0 && name.Length > 0)
            {
                spans.Add(new ConsoleSpan(traceId, name, source, block));
            }
        }

        return spans;
    }

    private static string ValueAfter(string block, string label)
    {
        var at = block.IndexOf(label, StringComparison.Ordinal);
        if (at < 0)
        {
            return "";
        }

        var end = block.IndexOf('\n', at);
        return block[(at + label.Length)..(end < 0 ? block.Length : end)].Trim();
    }
}
