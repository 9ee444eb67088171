using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;
using PromptQueue.Core.Processing;
using PromptQueue.Core.Storage;
using PromptQueue.Core.Submission;
using PromptQueue.Http;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Http;

/// <summary>The HTTP API through the real pipeline: Kestrel, routing, the key check, the adapter, Core, Azurite.</summary>
[Collection(AzuriteTests.Name)]
public sealed class HttpApiTests(AzuriteFixture azurite)
{
    private const string Job = """{"prompt":"Why is the sky blue?","reasoning":{"effort":"low"}}""";

    [Fact]
    public async Task Submit_ValidJob_Returns202WithLocationAndQueuesTheJob()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        await using var api = await ApiHost.StartAsync(app);

        // Act
        using var response = await api.Client.PostAsync("/api/jobs", Json(Job));

        // Assert
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await ReadAsync<JobAccepted>(response);
        Assert.True(accepted.Created);
        Assert.Equal(JobStatus.Queued, accepted.Status);
        Assert.Equal($"/api/jobs/{accepted.Id}", response.Headers.Location!.OriginalString);
        Assert.Equal(response.Headers.Location.OriginalString, accepted.StatusUrl);
        var record = await app.Store.FindAsync(accepted.Id, CancellationToken.None);
        Assert.Equal((JobStatus.Queued, "http"), (record!.Status, record.Source));
        Assert.Equal(JobOutcome.Completed, (await app.ProcessNextAsync()).Outcome);
    }

    [Fact]
    public async Task Submit_SameJobReserialisedWithTheSameKeyOrId_IsTheSameJobNotAConflict()
    {
        // Arrange: a client library retries with its own serializer: other key order, whitespace, number form.
        await using var app = await TestApp.StartAsync(azurite);
        await using var api = await ApiHost.StartAsync(app);
        var key = "retry-" + Guid.NewGuid().ToString("N");
        const string original = """{"prompt":"Why is the sky blue?","temperature":1,"metadata":{"tenant":"a","run":"7"}}""";
        const string reserialised = """
            {
              "metadata": { "run": "7", "tenant": "a" },
              "temperature": 1.0,
              "prompt": "Why is the sky blue?"
            }
            """;
        const string withId = """{"id":"reserialised-job","prompt":"Hi","reasoning":{"effort":"low"}}""";
        const string withIdAgain = """{ "reasoning" : { "effort" : "low" }, "prompt" : "Hi", "id" : "reserialised-job" }""";

        // Act
        using var first = await api.Client.SendAsync(Post(original, key));
        using var again = await api.Client.SendAsync(Post(reserialised, key));
        using var byId = await api.Client.PostAsync("/api/jobs", Json(withId));
        using var byIdAgain = await api.Client.PostAsync("/api/jobs", Json(withIdAgain));
        using var different = await api.Client.SendAsync(Post("""{"prompt":"Why is the sky green?"}""", key));

        // Assert
        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.OK), (first.StatusCode, again.StatusCode));
        Assert.Equal((await ReadAsync<JobAccepted>(first)).Id, (await ReadAsync<JobAccepted>(again)).Id);
        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.OK), (byId.StatusCode, byIdAgain.StatusCode));
        Assert.Equal(HttpStatusCode.Conflict, different.StatusCode);
    }

    [Fact]
    public async Task Get_JobThatAskedForLogprobs_ShowsThemWithTheAnswerAsTheProviderSentThem()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        await using var api = await ApiHost.StartAsync(app);
        var id = await SubmitAsync(api, """{"prompt":"Say something short","logprobs":true,"top_logprobs":2,"max_completion_tokens":64,"include_reasoning":false}""");
        Assert.Equal(JobOutcome.Completed, (await app.ProcessNextAsync()).Outcome);

        // Act
        using var response = await api.Client.GetAsync($"/api/jobs/{id}");

        // Assert
        var view = await ReadAsync<JobView>(response);
        var tokens = view.Logprobs!.Value.GetProperty("content").EnumerateArray().ToList();
        Assert.NotEmpty(tokens);
        Assert.Equal(view.Answer, string.Concat(tokens.Select(t => t.GetProperty("token").GetString())));
        Assert.All(tokens, t => Assert.Equal(2, t.GetProperty("top_logprobs").GetArrayLength()));
        using var sent = JsonDocument.Parse(app.Simulator.ReceivedBodies.Single());
        Assert.True(sent.RootElement.GetProperty("logprobs").GetBoolean());
        Assert.Equal(2, sent.RootElement.GetProperty("top_logprobs").GetInt32());
        Assert.Equal(64, sent.RootElement.GetProperty("max_completion_tokens").GetInt32());
        Assert.True(sent.RootElement.GetProperty("reasoning").GetProperty("exclude").GetBoolean());
    }

    [Fact]
    public async Task Submit_SameIdempotencyKeyAndPayload_ReturnsTheSameJobAndStoresOne()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        await using var api = await ApiHost.StartAsync(app);
        var key = "order-4711-" + Guid.NewGuid().ToString("N");

        // Act
        using var first = await api.Client.SendAsync(Post(Job, key));
        using var second = await api.Client.SendAsync(Post(Job, key));

        // Assert
        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.OK), (first.StatusCode, second.StatusCode));
        var (one, two) = (await ReadAsync<JobAccepted>(first), await ReadAsync<JobAccepted>(second));
        Assert.Equal(one.Id, two.Id);
        Assert.False(two.Created);
        var rows = await AllRowsAsync(app.JobTable);
        Assert.Single(rows, r => r.RowKey == JobRecord.RowKeyValue);
        var keyRow = Assert.Single(rows, r => r.PartitionKey == IdempotencyKeys.PartitionFor(key));
        Assert.Equal(one.Id, keyRow.GetString("JobId"));
        Assert.DoesNotContain(rows.SelectMany(r => r.Select(p => p.Value)), v => v is string s && s.Contains(key, StringComparison.Ordinal));
        Assert.DoesNotContain(key, one.Id, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_SameIdempotencyKeyConcurrently_CreatesOneJob()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        await using var api = await ApiHost.StartAsync(app);
        var key = Guid.NewGuid().ToString("N");

        // Act
        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => api.Client.SendAsync(Post(Job, key))));

        // Assert
        var accepted = await Task.WhenAll(responses.Select(ReadAsync<JobAccepted>));
        Assert.Single(accepted.Select(a => a.Id).Distinct());
        Assert.Single(accepted, a => a.Created);
        Assert.Single(await AllRowsAsync(app.JobTable), r => r.RowKey == JobRecord.RowKeyValue);
        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task Submit_SameIdempotencyKeyDifferentPayload_Returns409AndCreatesNothing()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        await using var api = await ApiHost.StartAsync(app);
        using var first = await api.Client.SendAsync(Post(Job, "key-1"));

        // Act
        using var second = await api.Client.SendAsync(Post("""{"prompt":"Something else"}""", "key-1"));

        // Assert
        var problem = await AssertProblemAsync(second, HttpStatusCode.Conflict);
        Assert.Contains("Idempotency-Key", problem.Detail, StringComparison.Ordinal);
        Assert.Single(await AllRowsAsync(app.JobTable), r => r.RowKey == JobRecord.RowKeyValue);
    }

    [Fact]
    public async Task Submit_ClientIdTwice_SamePayloadReturnsTheJobAndDifferentPayloadConflicts()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        await using var api = await ApiHost.StartAsync(app);
        const string withId = """{"id":"invoice-4711","prompt":"Summarise invoice 4711"}""";
        using var first = await api.Client.PostAsync("/api/jobs", Json(withId));

        // Act
        using var again = await api.Client.PostAsync("/api/jobs", Json(withId));
        using var clash = await api.Client.PostAsync("/api/jobs", Json("""{"id":"invoice-4711","prompt":"Something else"}"""));

        // Assert
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(new JobAccepted("invoice-4711", JobStatus.Queued, "/api/jobs/invoice-4711", false), await ReadAsync<JobAccepted>(again));
        var problem = await AssertProblemAsync(clash, HttpStatusCode.Conflict);
        Assert.Contains("invoice-4711", problem.Detail, StringComparison.Ordinal);
    }

    public static TheoryData<string, string?, HttpStatusCode, string> BadBodies => new()
    {
        { """{"prompt": "unterminated""", "application/json", HttpStatusCode.BadRequest, "not valid JSON" },
        { "", "application/json", HttpStatusCode.BadRequest, "empty" },
        { "prompt=hello", "application/x-www-form-urlencoded", HttpStatusCode.UnsupportedMediaType, "application/json" },
        { """{"promt":"hello"}""", "application/json", HttpStatusCode.BadRequest, "did you mean 'prompt'?" },
        { """{"prompt": 7}""", null, HttpStatusCode.BadRequest, "must be a string" },
        { """{"prompt":"x"}""", "text/plain", HttpStatusCode.UnsupportedMediaType, "text/plain" },
        { """{"prompt":"and then?","parent_job_id":"job-never-submitted"}""", "application/json", HttpStatusCode.BadRequest, "$.parent_job_id: job 'job-never-submitted' does not exist" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Submit_InvalidRequest_ReturnsProblemThatSaysWhy(string body, string? contentType, HttpStatusCode expected, string because)
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        await using var api = await ApiHost.StartAsync(app);
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.ContentType = contentType is null ? null : MediaTypeHeaderValue.Parse(contentType);

        // Act
        using var response = await api.Client.PostAsync("/api/jobs", content);

        // Assert
        var problem = await AssertProblemAsync(response, expected);
        var text = problem.Detail + string.Join('\n', problem.Errors?.Select(e => $"{e.Path}: {e.Message}") ?? []);
        Assert.Contains(because, text, StringComparison.Ordinal);
        Assert.DoesNotContain(await AllRowsAsync(app.JobTable), r => r.RowKey == JobRecord.RowKeyValue);
    }

    [Fact]
    public async Task Submit_FieldErrors_EachComeWithItsJsonPath()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        await using var api = await ApiHost.StartAsync(app);

        // Act
        using var response = await api.Client.PostAsync("/api/jobs", Json("""{"messages":[{"role":"robot","content":"hi"}],"temperature":"hot"}"""));

        // Assert
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains(problem.Errors!, e => e.Path == "$.messages[0].role");
        Assert.Contains(problem.Errors!, e => e.Path == "$.temperature");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Submit_BodyOverTheLimit_Returns413WithOrWithoutContentLength(bool sendLength)
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite, settings => settings["PromptQueue:Limits:MaxPayloadBytes"] = "2048");
        await using var api = await ApiHost.StartAsync(app);
        var body = Encoding.UTF8.GetBytes($$"""{"prompt":"{{new string('x', 4000)}}"}""");
        HttpContent content = sendLength ? new ByteArrayContent(body) : new StreamContent(new NonSeekableStream(body));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        // Act
        using var response = await api.Client.PostAsync("/api/jobs", content);

        // Assert
        var problem = await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("2048", problem.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/jobs/bad%20id", HttpStatusCode.BadRequest, "job id")]
    [InlineData("/api/jobs/-starts-with-dash", HttpStatusCode.BadRequest, "job id")]
    [InlineData("/api/jobs/job-unknown", HttpStatusCode.NotFound, "job-unknown")]
    [InlineData("/api/jobs/job-unknown/reasoning", HttpStatusCode.NotFound, "job-unknown")]
    [InlineData("/api/jobs/job-x?wait=soon", HttpStatusCode.BadRequest, "wait must be a whole number")]
    [InlineData("/api/jobs/job-x?wait=-1", HttpStatusCode.BadRequest, "wait must be a whole number")]
    [InlineData("/api/jobs/job-x?wait=1.5", HttpStatusCode.BadRequest, "wait must be a whole number")]
    public async Task Get_BadIdOrWait_ReturnsProblem(string path, HttpStatusCode expected, string because)
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        await using var api = await ApiHost.StartAsync(app);

        // Act
        using var response = await api.Client.GetAsync(path);

        // Assert
        var problem = await AssertProblemAsync(response, expected);
        Assert.Contains(because, problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_WaitWhileTheJobCompletes_ReturnsTheCompletedJob()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        await using var api = await ApiHost.StartAsync(app);
        var id = await SubmitAsync(api, Job);

        // Act: the request waits while the worker runs the job.
        var waiting = api.Client.GetAsync($"/api/jobs/{id}?wait=60");
        await app.ProcessNextAsync();
        using var response = await waiting;

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var view = await ReadAsync<JobView>(response);
        Assert.Equal(JobStatus.Completed, view.Status);
        Assert.Equal(await app.Store.ReadTextAsync((await app.Store.FindAsync(id, CancellationToken.None))!, JobText.Answer, CancellationToken.None), view.Answer);
        Assert.True(view.HasReasoning);
        Assert.True(view.Usage!.TotalTokens > 0);
        Assert.Equal(1, view.Attempts);
    }

    [Fact]
    public async Task Get_WaitLongerThanTheCap_ReturnsTheUnfinishedJobAtTheCap()
    {
        // Arrange: a one-second cap, so that wait=3600 is cut to it.
        await using var app = await TestApp.StartAsync(azurite, settings => settings["PromptQueue:Http:MaxWait"] = "00:00:01");
        await using var api = await ApiHost.StartAsync(app);
        var id = await SubmitAsync(api, Job);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        // Act
        using var response = await api.Client.GetAsync($"/api/jobs/{id}?wait=3600", timeout.Token);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(JobStatus.Queued, (await ReadAsync<JobView>(response)).Status);
    }

    [Fact]
    public async Task Reasoning_LongTrace_StreamsTheStoredTextAndDetailsByteForByte()
    {
        // Arrange: a trace of several chunk rows.
        await using var app = await TestApp.StartAsync(azurite);
        await using var api = await ApiHost.StartAsync(app);
        var id = await SubmitAsync(api, """{"prompt":"Think hard [[sim:reasoning-chars=70000]]","reasoning":{"effort":"high"}}""");
        await app.ProcessNextAsync();
        var record = (await app.Store.FindAsync(id, CancellationToken.None))!;
        Assert.True(record.ReasoningChunks > 1, $"expected a trace of several chunks, got {record.ReasoningChunks}");

        // Act
        using var response = await api.Client.GetAsync($"/api/jobs/{id}/reasoning");

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        var reasoning = JsonSerializer.Deserialize<JobReasoning>(text, ContractJson.Options)!;
        Assert.Equal(id, reasoning.Id);
        Assert.Equal(await app.Store.ReadTextAsync(record, JobText.Reasoning, CancellationToken.None), reasoning.Reasoning);
        var storedDetails = await app.Store.ReadTextAsync(record, JobText.ReasoningDetails, CancellationToken.None);
        Assert.NotNull(storedDetails);
        Assert.EndsWith($",\"reasoning_details\":{storedDetails}}}", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancel_QueuedJob_CancelsItTellsObserversAndItsMessageDoesNothing()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        var observer = new RecordingObserver();
        await using var api = await ApiHost.StartAsync(app, services => services.AddSingleton<IJobTerminalObserver>(observer));
        var id = await SubmitAsync(api, Job);

        // Act
        using var response = await api.Client.PostAsync($"/api/jobs/{id}/cancel", null);
        var processed = await app.ProcessNextAsync();

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(JobStatus.Cancelled, (await ReadAsync<JobView>(response)).Status);
        Assert.Equal(JobOutcome.Duplicate, processed.Outcome);
        Assert.Equal(JobStatus.Cancelled, (await app.Store.FindAsync(id, CancellationToken.None))!.Status);
        Assert.Equal([(id, JobStatus.Cancelled)], observer.Seen);
        Assert.Equal(0, app.Simulator.ChatRequestCount);
    }

    [Fact]
    public async Task Cancel_CompletedJob_Returns409NamingTheStatus()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        await using var api = await ApiHost.StartAsync(app);
        var id = await SubmitAsync(api, Job);
        await app.ProcessNextAsync();

        // Act
        using var response = await api.Client.PostAsync($"/api/jobs/{id}/cancel", null);

        // Assert
        var problem = await AssertProblemAsync(response, HttpStatusCode.Conflict);
        Assert.Contains("is Completed", problem.Detail, StringComparison.Ordinal);
        Assert.Equal(JobStatus.Completed, (await app.Store.FindAsync(id, CancellationToken.None))!.Status);
    }

    [Fact]
    public async Task Retry_FailedJob_QueuesItAgainWithAFreshSetOfTriesAndItsCallsStillCounted()
    {
        // Arrange: a permanent provider error fails the job.
        await using var app = await TestApp.StartAsync(azurite);
        await using var api = await ApiHost.StartAsync(app);
        var id = await SubmitAsync(api, """{"prompt":"Refused [[sim:status=400]]"}""");
        Assert.Equal(JobOutcome.Failed, (await app.ProcessNextAsync()).Outcome);

        // Act
        using var response = await api.Client.PostAsync($"/api/jobs/{id}/retry", null);

        // Assert
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(new JobAccepted(id, JobStatus.Queued, $"/api/jobs/{id}", false), await ReadAsync<JobAccepted>(response));
        var record = (await app.Store.FindAsync(id, CancellationToken.None))!;
        Assert.Equal((JobStatus.Queued, 1, 0, null), (record.Status, record.Attempts, record.FailedCalls, record.ErrorCode));
        var rerun = await app.ProcessNextAsync();
        Assert.Equal((id, JobOutcome.Failed), (rerun.JobId, rerun.Outcome));
        Assert.Equal(2, (await app.Store.FindAsync(id, CancellationToken.None))!.Attempts);
        Assert.Equal(2, app.Simulator.ChatRequestCount);
    }

    [Fact]
    public async Task Retry_Repeated_SendsTheMessageAgainAndRunsTheJobOnce()
    {
        // Arrange: the first retry's answer was lost; the caller repeats it while the job is Queued.
        await using var app = await TestApp.StartAsync(azurite);
        await using var api = await ApiHost.StartAsync(app);
        var id = await SubmitAsync(api, """{"prompt":"Refused [[sim:status=400]]"}""");
        await app.ProcessNextAsync();
        using var first = await api.Client.PostAsync($"/api/jobs/{id}/retry", null);

        // Act
        using var again = await api.Client.PostAsync($"/api/jobs/{id}/retry", null);
        var outcomes = await app.ProcessVisibleAsync();

        // Assert
        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted), (first.StatusCode, again.StatusCode));
        Assert.Equal([JobOutcome.Failed, JobOutcome.Duplicate], outcomes.Select(o => o.Outcome).Order());
        Assert.Equal(2, (await app.Store.FindAsync(id, CancellationToken.None))!.Attempts);
        Assert.Equal(2, app.Simulator.ChatRequestCount);
    }

    [Fact]
    public async Task Retry_CompletedOrRejectedJob_Returns409SayingWhy()
    {
        // Arrange: one completed job, and one message that was not a job at all.
        await using var app = await TestApp.StartAsync(azurite);
        await using var api = await ApiHost.StartAsync(app);
        var completed = await SubmitAsync(api, Job);
        await app.ProcessNextAsync();
        await app.JobQueue().SendMessageAsync("""{"id":"bad-inline","prompt":7}""");
        var rejected = await app.ProcessNextAsync();
        Assert.Equal(JobOutcome.Rejected, rejected.Outcome);

        // Act
        using var retryCompleted = await api.Client.PostAsync($"/api/jobs/{completed}/retry", null);
        using var retryRejected = await api.Client.PostAsync($"/api/jobs/{rejected.JobId}/retry", null);

        // Assert
        Assert.Contains("is Completed", (await AssertProblemAsync(retryCompleted, HttpStatusCode.Conflict)).Detail, StringComparison.Ordinal);
        Assert.Contains("Rejected: its payload is not a valid job", (await AssertProblemAsync(retryRejected, HttpStatusCode.Conflict)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Budget_AfterOneJob_CountsItAndTellsWhatRemains()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite, settings => settings["Budget:RequestsPerDay"] = "40");
        await using var api = await ApiHost.StartAsync(app);
        await SubmitAsync(api, Job);
        await app.ProcessNextAsync();

        // Act
        using var response = await api.Client.GetAsync("/api/budget");

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var budget = await ReadAsync<BudgetView>(response);
        Assert.Equal((1, 40, 39, 20), (budget.RequestsUsedToday, budget.RequestsPerDay, budget.RequestsRemainingToday, budget.RequestsPerMinute));
        Assert.InRange(budget.RequestsRemainingThisMinute, 1, 20);
        Assert.False(budget.Paused);
        Assert.Equal(TimeSpan.Zero, budget.DayResetsAt.TimeOfDay);
    }

    [Fact]
    public async Task Auth_NoKeyOrWrongKey_Returns401ButHealthIsOpen()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        await using var api = await ApiHost.StartAsync(app);
        using var wrongKey = new HttpRequestMessage(HttpMethod.Get, "/api/budget");
        wrongKey.Headers.Add(ApiKeyCheck.HeaderName, api.ApiKey[..^1] + (api.ApiKey[^1] == '0' ? "1" : "0"));

        // Act
        using var noKey = await api.Anonymous.PostAsync("/api/jobs", Json(Job));
        using var badKey = await api.Anonymous.SendAsync(wrongKey);
        using var health = await api.Anonymous.GetAsync("/api/health");

        // Assert
        Assert.Contains(ApiKeyCheck.HeaderName, (await AssertProblemAsync(noKey, HttpStatusCode.Unauthorized)).Detail, StringComparison.Ordinal);
        await AssertProblemAsync(badKey, HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(new HealthView("Healthy", "ok"), await ReadAsync<HealthView>(health));
        Assert.DoesNotContain(await AllRowsAsync(app.JobTable), r => r.RowKey == JobRecord.RowKeyValue);
    }

    [Fact]
    public async Task OpenApi_Document_ParsesAndDescribesEveryMappedRoute()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        await using var api = await ApiHost.StartAsync(app);

        // Act
        using var response = await api.Client.GetAsync("/api/openapi.json");

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("3.1.0", document.RootElement.GetProperty("openapi").GetString());
        var documented = OpenApiRoutes(document);
        var mapped = api.Routes.ToList();
        Assert.Equal(documented.Order(StringComparer.Ordinal), mapped.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Secrets_NoResponseOrLogCarriesTheApiKeyOrTheOpenRouterKey()
    {
        // Arrange
        var openRouterKey = $"sk-or-v1-{Guid.NewGuid():N}";
        await using var app = await TestApp.StartAsync(azurite, settings => settings["OpenRouter:ApiKey"] = openRouterKey);
        await using var api = await ApiHost.StartAsync(app);

        // Act: every route, well and badly used.
        var id = await SubmitAsync(api, Job);
        await app.ProcessNextAsync();
        foreach (var path in new[] { $"/api/jobs/{id}", $"/api/jobs/{id}/reasoning", "/api/budget", "/api/health", "/api/openapi.json", "/api/jobs/nope" })
        {
            (await api.Client.GetAsync(path)).Dispose();
        }

        (await api.Client.PostAsync($"/api/jobs/{id}/cancel", null)).Dispose();
        (await api.Client.PostAsync($"/api/jobs/{id}/retry", null)).Dispose();
        (await api.Anonymous.GetAsync("/api/budget")).Dispose();
        (await api.Client.PostAsync("/api/jobs", Json("{"))).Dispose();

        // Assert
        Assert.Equal(11, api.ResponseBodies.Count);
        Assert.Equal($"Bearer {openRouterKey}", app.Simulator.GetLastChatRequestHeader("Authorization"));
        Assert.NotEmpty(api.Logs);
        foreach (var secret in new[] { api.ApiKey, openRouterKey })
        {
            Assert.All(api.ResponseBodies, body => Assert.DoesNotContain(secret, body, StringComparison.Ordinal));
            Assert.All(api.Logs, log => Assert.DoesNotContain(secret, $"{log.Message} {log.Exception} {string.Join(' ', log.StructuredState ?? [])}", StringComparison.Ordinal));
        }
    }

    /// <summary>Every operation of an OpenAPI document, as "METHOD /path".</summary>
    public static HashSet<string> OpenApiRoutes(JsonDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return document.RootElement.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(operation => $"{operation.Name.ToUpperInvariant()} {path.Name}"))
            .ToHashSet(StringComparer.Ordinal);
    }

    private static async Task<string> SubmitAsync(ApiHost api, string json)
    {
        using var response = await api.Client.PostAsync("/api/jobs", Json(json));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await ReadAsync<JobAccepted>(response)).Id;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static HttpRequestMessage Post(string json, string idempotencyKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/jobs") { Content = Json(json) };
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        return request;
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response)
    {
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        return JsonSerializer.Deserialize<T>(await response.Content.ReadAsStringAsync(), ContractJson.Options)!;
    }

    private static async Task<ApiProblem> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {expected}, got {response.StatusCode}: {body}");
        Assert.Equal(ApiProblem.ContentType, response.Content.Headers.ContentType?.MediaType);
        var problem = JsonSerializer.Deserialize<ApiProblem>(body, ContractJson.Options)!;
        Assert.Equal((int)expected, problem.Status);
        return problem;
    }

    private static async Task<List<TableEntity>> AllRowsAsync(TableClient table)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>())
        {
            rows.Add(row);
        }

        return rows;
    }

    private sealed class RecordingObserver : IJobTerminalObserver
    {
        public List<(string, JobStatus)> Seen { get; } = [];

        public Task OnTerminalAsync(JobRecord record, CancellationToken cancellationToken)
        {
            Seen.Add((record.JobId, record.Status));
            return Task.CompletedTask;
        }
    }

    /// <summary>A body of unknown length, so the client sends it chunked, without Content-Length.</summary>
    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
