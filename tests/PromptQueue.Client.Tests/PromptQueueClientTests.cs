using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;

namespace PromptQueue.Client.Tests;

public sealed class PromptQueueClientTests : IDisposable
{
    private const string Key = "test-function-key-4711";
    private static readonly Uri Server = new("http://pq.test:7071");

    private readonly RecordingHandler _handler = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    /// <summary>The clock the clients see: <see cref="_time"/>, which <see cref="AdvanceUntilDone"/> moves only while a client sleeps.</summary>
    private readonly SleepTrackingTime _clientTime;

    public PromptQueueClientTests() => _clientTime = new SleepTrackingTime(_time);

    [Fact]
    public async Task SubmitAsync_Job_PostsContractJsonWithKeyAndIdempotencyKey()
    {
        // Arrange
        _handler.AnswerJson(HttpStatusCode.Accepted, """{"id":"job-1","status":"Queued","status_url":"/api/jobs/job-1","created":true}""");
        var client = CreateClient();
        var job = new PromptJob { Prompt = "Why is the sky blue?", MaxTokens = 200, Reasoning = new ReasoningSettings { Effort = "high" } };

        // Act
        var accepted = await client.SubmitAsync(job, idempotencyKey: "order-17");

        // Assert
        Assert.Equal(new JobAccepted("job-1", JobStatus.Queued, "/api/jobs/job-1", Created: true), accepted);
        var request = Assert.Single(_handler.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("http://pq.test:7071/api/jobs", request.Uri.ToString());
        Assert.Equal(Key, request.Headers["x-functions-key"]);
        Assert.Equal("order-17", request.Headers["Idempotency-Key"]);
        Assert.StartsWith("application/json", request.ContentType, StringComparison.Ordinal);
        Assert.Equal("""{"prompt":"Why is the sky blue?","reasoning":{"effort":"high"},"max_tokens":200}""", request.Body);
    }

    [Fact]
    public async Task SubmitJsonAsync_NoKeyConfigured_SendsNoKeyHeaderAndTheJsonAsIs()
    {
        // Arrange
        _handler.AnswerJson(HttpStatusCode.OK, """{"id":"mine-1","status":"Completed","status_url":"/api/jobs/mine-1","created":false}""");
        var client = CreateClient(apiKey: null);

        // Act
        var accepted = await client.SubmitJsonAsync("""{ "id": "mine-1", "prompt": "again" }""");

        // Assert
        Assert.False(accepted.Created);
        var request = Assert.Single(_handler.Requests);
        Assert.False(request.Headers.ContainsKey("x-functions-key"));
        Assert.False(request.Headers.ContainsKey("Idempotency-Key"));
        Assert.Equal("""{ "id": "mine-1", "prompt": "again" }""", request.Body);
    }

    [Fact]
    public async Task SubmitJsonAsync_BadJob_ThrowsWithTheProblemAndEveryFieldErrorButNotTheKey()
    {
        // Arrange
        _handler.Answer(_ => RecordingHandler.Problem(HttpStatusCode.BadRequest, "Invalid job", "The job has 2 problems.",
            """[{"path":"$.prompt","message":"must not be empty"},{"path":"$.temprature","message":"is not a field of a v1 job (did you mean 'temperature'?)"}]"""));
        var client = CreateClient();

        // Act
        var ex = await Assert.ThrowsAsync<PromptQueueApiException>(() => client.SubmitJsonAsync("""{"prompt":"","temprature":1}"""));

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, ex.StatusCode);
        Assert.Equal("Invalid job", ex.Problem.Title);
        Assert.Equal(2, ex.Problem.Errors!.Count);
        Assert.Contains("$.prompt: must not be empty", ex.Message, StringComparison.Ordinal);
        Assert.Contains("$.temprature: is not a field of a v1 job", ex.Message, StringComparison.Ordinal);
        Assert.Contains("400 Invalid job: The job has 2 problems.", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, ex.ToString(), StringComparison.Ordinal);
        Assert.Null(ex.ResponseBody);
    }

    [Fact]
    public async Task GetAsync_KnownJob_ReadsTheViewAndIgnoresFieldsFromANewerServer()
    {
        // Arrange
        _handler.AnswerJson(HttpStatusCode.OK, """
            {"id":"job-2","status":"Completed","answer":"Rayleigh scattering.","attempts":1,"has_reasoning":true,
             "usage":{"prompt_tokens":10,"completion_tokens":20,"reasoning_tokens":15,"total_tokens":30},
             "field_from_the_future":{"x":1}}
            """);
        var client = CreateClient();

        // Act
        var view = await client.GetAsync("job-2");

        // Assert
        Assert.NotNull(view);
        Assert.Equal(JobStatus.Completed, view.Status);
        Assert.Equal("Rayleigh scattering.", view.Answer);
        Assert.Equal(15, view.Usage!.ReasoningTokens);
        Assert.True(view.HasReasoning);
        var request = Assert.Single(_handler.Requests);
        Assert.Equal(HttpMethod.Get, request.Method);
        Assert.Equal("/api/jobs/job-2", request.Uri.PathAndQuery);
        Assert.Equal(Key, request.Headers["x-functions-key"]);
    }

    [Fact]
    public async Task GetAsync_UnknownJob_ReturnsNull()
    {
        // Arrange
        _handler.Answer(_ => RecordingHandler.Problem(HttpStatusCode.NotFound, "Not found", "No job 'job-x'."));
        var client = CreateClient();

        // Act
        var view = await client.GetAsync("job-x");

        // Assert
        Assert.Null(view);
    }

    [Fact]
    public async Task GetAsync_BareNotFoundFromAWrongUrl_ThrowsWithTheRawAnswer()
    {
        // Arrange: a 404 that is not the API's own problem document: the URL does not reach the API.
        _handler.Answer(_ => new HttpResponseMessage(HttpStatusCode.NotFound) { ReasonPhrase = "Not Found" });
        var client = CreateClient();

        // Act
        var ex = await Assert.ThrowsAsync<PromptQueueApiException>(() => client.GetAsync("job-x"));

        // Assert
        Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);
        Assert.Contains("check the URL", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_GatewayErrorPage_ThrowsKeepingTheBody()
    {
        // Arrange
        _handler.Answer(_ => new HttpResponseMessage(HttpStatusCode.BadGateway)
        {
            ReasonPhrase = "Bad Gateway",
            Content = new StringContent("<html><body>upstream connect error</body></html>"),
        });
        var client = CreateClient();

        // Act
        var ex = await Assert.ThrowsAsync<PromptQueueApiException>(() => client.GetAsync("job-3"));

        // Assert
        Assert.Equal(HttpStatusCode.BadGateway, ex.StatusCode);
        Assert.Equal("<html><body>upstream connect error</body></html>", ex.ResponseBody);
        Assert.Contains("502 Bad Gateway: <html><body>upstream connect error", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Constructor_BaseAddressWithPath_KeepsThePathBeforeApi()
    {
        // Arrange
        _handler.AnswerJson(HttpStatusCode.OK, """{"id":"job-4","status":"Queued"}""");
        var client = new PromptQueueClient(new HttpClient(_handler), new PromptQueueClientOptions { BaseAddress = new Uri("https://gateway.test/promptqueue") }, _clientTime);

        // Act
        await client.GetAsync("job-4");

        // Assert
        Assert.Equal("https://gateway.test/promptqueue/api/jobs/job-4", Assert.Single(_handler.Requests).Uri.ToString());
    }

    [Fact]
    public async Task GetAsync_MalformedId_ThrowsBeforeSending()
    {
        // Arrange
        var client = CreateClient();

        // Act
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => client.GetAsync("../budget"));

        // Assert
        Assert.Contains("'../budget' is not a job id", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_handler.Requests);
    }

    [Fact]
    public async Task WaitForCompletionAsync_JobFinishesInTheThirdRound_LongPollsRoundByRoundAndReportsEach()
    {
        // Arrange: the server holds each long poll for the time asked, as it does while the job is not terminal.
        _handler.Answer(HoldThenAnswer("Queued")).Answer(HoldThenAnswer("Running")).Answer(_ => View("Completed"));
        var client = CreateClient(longPollRound: TimeSpan.FromSeconds(60));
        var seen = new List<JobStatus>();

        // Act
        var view = await client.WaitForCompletionAsync("job-5", Timeout.InfiniteTimeSpan, new Recorder(v => seen.Add(v.Status)));

        // Assert
        Assert.Equal(JobStatus.Completed, view.Status);
        Assert.Equal([JobStatus.Queued, JobStatus.Running, JobStatus.Completed], seen);
        Assert.All(_handler.Requests, r => Assert.Equal("/api/jobs/job-5?wait=60", r.Uri.PathAndQuery));
        Assert.Equal(3, _handler.Requests.Count);
    }

    [Fact]
    public async Task WaitForCompletionAsync_TimeoutNotAMultipleOfTheRound_ShortensTheLastRoundThenTimesOut()
    {
        // Arrange
        _handler.Answer(HoldThenAnswer("Waiting")).Answer(HoldThenAnswer("Waiting")).Answer(HoldThenAnswer("Running"));
        var client = CreateClient(longPollRound: TimeSpan.FromSeconds(60));

        // Act
        var ex = await Assert.ThrowsAsync<TimeoutException>(() => client.WaitForCompletionAsync("job-6", TimeSpan.FromSeconds(150)));

        // Assert
        Assert.Equal(["wait=60", "wait=60", "wait=30"], _handler.Requests.Select(r => r.Uri.Query.TrimStart('?')));
        Assert.Contains("job-6 is still Running", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WaitForCompletionAsync_HttpClientTimeoutShorterThanTheRound_AsksForLessThanTheTimeout()
    {
        // Arrange: a round the HttpClient would abort at 30 s must not be asked for.
        _handler.Answer(_ => View("Completed"));
        var client = new PromptQueueClient(
            new HttpClient(_handler) { Timeout = TimeSpan.FromSeconds(30) },
            new PromptQueueClientOptions { BaseAddress = Server, LongPollRound = TimeSpan.FromSeconds(120) },
            _time);

        // Act
        await client.WaitForCompletionAsync("job-7", TimeSpan.FromMinutes(10));

        // Assert
        Assert.Equal("?wait=20", Assert.Single(_handler.Requests).Uri.Query);
    }

    [Fact]
    public async Task WaitForCompletionAsync_ServerAnswersAtOnce_StartsRoundsAtLeastASecondApart()
    {
        // Arrange: a server that ignores ?wait and answers immediately must not make the client spin.
        var askedAt = new List<DateTimeOffset>();
        _handler.Answer(_ => { askedAt.Add(_time.GetUtcNow()); return View("Queued"); })
                .Answer(_ => { askedAt.Add(_time.GetUtcNow()); return View("Completed"); });
        var client = CreateClient();

        // Act
        var view = await AdvanceUntilDone(client.WaitForCompletionAsync("job-8", Timeout.InfiniteTimeSpan));

        // Assert
        Assert.Equal(JobStatus.Completed, view.Status);
        Assert.Equal(2, askedAt.Count);
        Assert.True(askedAt[1] - askedAt[0] >= TimeSpan.FromSeconds(1), $"second round {askedAt[1] - askedAt[0]} after the first");
    }

    [Fact]
    public async Task WaitForCompletionAsync_UnknownJobWithoutGrace_ThrowsNotFound()
    {
        // Arrange
        _handler.Answer(_ => RecordingHandler.Problem(HttpStatusCode.NotFound, "Not found", "No job 'job-9'."));
        var client = CreateClient(unknownJobGrace: TimeSpan.Zero);

        // Act
        var ex = await Assert.ThrowsAsync<PromptQueueApiException>(() => client.WaitForCompletionAsync("job-9", TimeSpan.FromMinutes(1)));

        // Assert
        Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);
        Assert.Contains("no job has the id 'job-9'", ex.Message, StringComparison.Ordinal);
        Assert.Single(_handler.Requests);
    }

    [Fact]
    public async Task WaitForCompletionAsync_JobEnqueuedButNotYetTakenByAWorker_WaitsUntilItIsStored()
    {
        // Arrange: right after PromptQueueQueueSender.EnqueueAsync the API knows no such job until a worker takes the message.
        var askedAt = new List<DateTimeOffset>();
        HttpResponseMessage NotYet(RecordedRequest _)
        {
            askedAt.Add(_time.GetUtcNow());
            return RecordingHandler.Problem(HttpStatusCode.NotFound, "Job not found", "no job has the id 'queued-1'");
        }

        _handler.Answer(NotYet).Answer(NotYet).Answer(NotYet).Answer(_ => View("Completed"));
        var client = CreateClient();

        // Act
        var view = await AdvanceUntilDone(client.WaitForCompletionAsync("queued-1", TimeSpan.FromMinutes(10)));

        // Assert
        Assert.Equal(JobStatus.Completed, view.Status);
        Assert.Equal(4, _handler.Requests.Count);
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)], askedAt.Zip(askedAt.Skip(1), (a, b) => b - a));
    }

    [Fact]
    public async Task WaitForCompletionAsync_JobStillUnknownAfterTheGrace_ThrowsNotFoundNamingTheQueue()
    {
        // Arrange
        for (var i = 0; i < 20; i++)
        {
            _handler.Answer(_ => RecordingHandler.Problem(HttpStatusCode.NotFound, "Job not found", "no job has the id 'typo-1'"));
        }

        var client = CreateClient(unknownJobGrace: TimeSpan.FromSeconds(30));

        // Act
        var ex = await Assert.ThrowsAsync<PromptQueueApiException>(() => AdvanceUntilDone(client.WaitForCompletionAsync("typo-1", Timeout.InfiniteTimeSpan)));

        // Assert: pauses of 1, 2, 4, 8 and 15 s fit in 30 s, so the sixth read at 30 s is the last.
        Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);
        Assert.Contains("no worker has taken its message yet", ex.Message, StringComparison.Ordinal);
        Assert.Equal(6, _handler.Requests.Count);
    }

    [Fact]
    public async Task WaitForCompletionAsync_TimeoutEndsBeforeTheJobIsStored_ThrowsTimeout()
    {
        // Arrange
        for (var i = 0; i < 20; i++)
        {
            _handler.Answer(_ => RecordingHandler.Problem(HttpStatusCode.NotFound, "Job not found", "no job has the id 'queued-2'"));
        }

        var client = CreateClient();

        // Act
        var ex = await Assert.ThrowsAsync<TimeoutException>(() => AdvanceUntilDone(client.WaitForCompletionAsync("queued-2", TimeSpan.FromSeconds(5))));

        // Assert
        Assert.Contains("queued-2 is not stored yet", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CancelAsync_RunningJob_ThrowsConflict()
    {
        // Arrange
        _handler.Answer(_ => RecordingHandler.Problem(HttpStatusCode.Conflict, "Conflict", "Job job-10 is Running; only Queued or Waiting jobs can be cancelled."));
        var client = CreateClient();

        // Act
        var ex = await Assert.ThrowsAsync<PromptQueueApiException>(() => client.CancelAsync("job-10"));

        // Assert
        Assert.Equal(HttpStatusCode.Conflict, ex.StatusCode);
        var request = Assert.Single(_handler.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("/api/jobs/job-10/cancel", request.Uri.PathAndQuery);
    }

    [Fact]
    public async Task RetryAsync_FailedJob_PostsRetryAndReadsTheAcceptance()
    {
        // Arrange
        _handler.AnswerJson(HttpStatusCode.Accepted, """{"id":"job-11","status":"Queued","status_url":"/api/jobs/job-11","created":false}""");
        var client = CreateClient();

        // Act
        var accepted = await client.RetryAsync("job-11");

        // Assert
        Assert.Equal(JobStatus.Queued, accepted.Status);
        var request = Assert.Single(_handler.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("/api/jobs/job-11/retry", request.Uri.PathAndQuery);
    }

    [Fact]
    public async Task GetReasoningAsync_StoredTrace_KeepsReasoningDetailsVerbatim()
    {
        // Arrange
        _handler.AnswerJson(HttpStatusCode.OK, """{"id":"job-12","reasoning":"First, light...","reasoning_details":[{"type":"reasoning.text","text":"First, light...","format":"unknown"}]}""");
        var client = CreateClient();

        // Act
        var trace = await client.GetReasoningAsync("job-12");

        // Assert
        Assert.Equal("First, light...", trace!.Reasoning);
        Assert.Equal("""[{"type":"reasoning.text","text":"First, light...","format":"unknown"}]""", trace.ReasoningDetails!.Value.GetRawText());
        Assert.Equal("/api/jobs/job-12/reasoning", Assert.Single(_handler.Requests).Uri.PathAndQuery);
    }

    [Fact]
    public async Task GetBudgetAsync_Answer_ReturnsTheJsonAsSent()
    {
        // Arrange
        _handler.AnswerJson(HttpStatusCode.OK, """{"requests_per_minute":20,"used_today":7}""");
        var client = CreateClient();

        // Act
        var budget = await client.GetBudgetAsync();

        // Assert
        Assert.Equal(7, budget.GetProperty("used_today").GetInt32());
        Assert.Equal("/api/budget", Assert.Single(_handler.Requests).Uri.PathAndQuery);
    }

    [Fact]
    public async Task SubmitBatchAsync_Items_SendsOneJsonLinePerItemWithItsCustomId()
    {
        // Arrange
        _handler.AnswerJson(HttpStatusCode.Accepted, """{"id":"batch-1","status":"Dispatching","items":2,"status_url":"/api/batches/batch-1"}""");
        var client = CreateClient();
        BatchItem[] items =
        [
            new(new PromptJob { Prompt = "one" }, "row-1"),
            new(new PromptJob { Prompt = "two", Model = "openai/gpt-oss-20b:free" }),
        ];

        // Act
        var accepted = await client.SubmitBatchAsync(items);

        // Assert
        Assert.Equal(new BatchAccepted("batch-1", BatchStatus.Dispatching, 2, "/api/batches/batch-1"), accepted);
        var request = Assert.Single(_handler.Requests);
        Assert.Equal("/api/batches", request.Uri.PathAndQuery);
        Assert.StartsWith("application/x-ndjson", request.ContentType, StringComparison.Ordinal);
        Assert.Equal("{\"prompt\":\"one\",\"custom_id\":\"row-1\"}\n{\"prompt\":\"two\",\"model\":\"openai/gpt-oss-20b:free\"}\n", request.Body);
    }

    [Fact]
    public async Task GetBatchAsync_UnknownBatch_ReturnsNullAndCancelBatchPosts()
    {
        // Arrange
        _handler.Answer(_ => RecordingHandler.Problem(HttpStatusCode.NotFound, "Not found"))
                .AnswerJson(HttpStatusCode.OK, """{"id":"batch-2","status":"Cancelled","items":3,"pending":0,"counts":{"Completed":1,"Cancelled":2}}""");
        var client = CreateClient();

        // Act
        var missing = await client.GetBatchAsync("batch-x");
        var cancelled = await client.CancelBatchAsync("batch-2");

        // Assert
        Assert.Null(missing);
        Assert.Equal(BatchStatus.Cancelled, cancelled.Status);
        Assert.Equal(2, cancelled.Counts[JobStatus.Cancelled]);
        Assert.Equal(["GET /api/batches/batch-x", "POST /api/batches/batch-2/cancel"], _handler.Requests.Select(r => $"{r.Method} {r.Uri.PathAndQuery}"));
    }

    [Fact]
    public async Task ReadBatchResultsAsync_StreamedBody_YieldsEachLineBeforeTheBodyEnds()
    {
        // Arrange: the server has sent one line and holds the rest back.
        var body = new ChunkedStream();
        _handler.Answer(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(body) });
        var client = CreateClient();
        body.Write("""{"index":0,"custom_id":"a","job_id":"job-a","status":"Completed","answer":"A"}""" + "\n");

        // Act
        await using var results = client.ReadBatchResultsAsync("batch-3", includeReasoning: true).GetAsyncEnumerator();
        var gotFirst = await results.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        var first = results.Current;
        body.Write("\n" + """{"index":1,"job_id":"job-b","status":"Failed","error":{"code":"invalid_job","message":"bad"}}""" + "\n");
        body.End();
        var gotSecond = await results.MoveNextAsync();
        var second = results.Current;
        var gotMore = await results.MoveNextAsync();

        // Assert
        Assert.True(gotFirst);
        Assert.Equal(("a", "job-a", "A"), (first.CustomId, first.JobId, first.Answer));
        Assert.True(gotSecond);
        Assert.Equal(JobStatus.Failed, second.Status);
        Assert.Equal("invalid_job", second.Error!.Code);
        Assert.False(gotMore);
        Assert.Equal("/api/batches/batch-3/results?reasoning=true", Assert.Single(_handler.Requests).Uri.PathAndQuery);
    }

    [Fact]
    public async Task ReadBatchResultsAsync_LineThatIsNotAResult_ThrowsNamingTheLine()
    {
        // Arrange
        _handler.AnswerJson(HttpStatusCode.OK, "{\"index\":0,\"job_id\":\"job-a\"}\n{\"index\":1,\n", "application/x-ndjson");
        var client = CreateClient();

        // Act
        var ex = await Assert.ThrowsAsync<InvalidDataException>(async () =>
        {
            await foreach (var _ in client.ReadBatchResultsAsync("batch-4"))
            {
            }
        });

        // Assert
        Assert.Contains("Line 2 of batch batch-4's results", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenBatchResultsAsync_Body_IsReturnedByteForByte()
    {
        // Arrange
        const string Jsonl = "{\"index\":0,\"job_id\":\"job-a\",\"answer\":\"é\"}\n{\"index\":1,\"job_id\":\"job-b\"}\n";
        _handler.AnswerJson(HttpStatusCode.OK, Jsonl, "application/x-ndjson");
        var client = CreateClient();

        // Act
        await using var stream = await client.OpenBatchResultsAsync("batch-5");
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);

        // Assert
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(Jsonl), copy.ToArray());
        Assert.Equal("/api/batches/batch-5/results", Assert.Single(_handler.Requests).Uri.PathAndQuery);
    }

    public void Dispose() => _handler.Dispose();

    private PromptQueueClient CreateClient(string? apiKey = Key, TimeSpan? longPollRound = null, TimeSpan? unknownJobGrace = null)
    {
        var options = new PromptQueueClientOptions { BaseAddress = Server, ApiKey = apiKey, LongPollRound = longPollRound ?? TimeSpan.FromSeconds(60) };
        if (unknownJobGrace is { } grace)
        {
            options.UnknownJobGrace = grace;
        }

        return new(new HttpClient(_handler) { Timeout = Timeout.InfiniteTimeSpan }, options, _clientTime);
    }

    /// <summary>Moves the fake clock on in small steps until <paramref name="task"/> ends, so its pauses pass without real waiting.</summary>
    /// <summary>
    /// Moves the clock in steps of 100 ms while the client sleeps, until the task ends. Time never moves while the client
    /// is between a request and its next pause, so what it measures does not depend on how fast the machine is.
    /// </summary>
    private async Task<T> AdvanceUntilDone<T>(Task<T> task)
    {
        for (var step = 0; step < 1_000_000 && !task.IsCompleted; step++)
        {
            if (_clientTime.IsSleeping)
            {
                _time.Advance(TimeSpan.FromMilliseconds(100));
            }

            await Task.Yield();
        }

        return await task;
    }

    /// <summary>What the server does for a long poll on a job that stays unfinished: hold the request for the time asked.</summary>
    private Func<RecordedRequest, HttpResponseMessage> HoldThenAnswer(string status) => request =>
    {
        var wait = int.Parse(request.Uri.Query.Split("wait=")[1], System.Globalization.CultureInfo.InvariantCulture);
        _time.Advance(TimeSpan.FromSeconds(wait));
        return View(status);
    };

    private static HttpResponseMessage View(string status) =>
        RecordingHandler.Json(HttpStatusCode.OK, JsonSerializer.Serialize(new { id = "job", status }));

    private sealed class Recorder(Action<JobView> onReport) : IProgress<JobView>
    {
        public void Report(JobView value) => onReport(value);
    }
}
