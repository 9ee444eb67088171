using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;

namespace PromptQueue.Client;

/// <summary>
/// A client for PromptQueue's HTTP API (the Functions app or <c>promptq serve</c>): submit jobs and batches, wait for
/// them, and read their answers, reasoning traces and results.
/// </summary>
/// <remarks>
/// Register it as a typed <see cref="HttpClient"/> client (see <c>docs/client.md</c>). It adds no retries of its own,
/// so that a resilience handler on the <see cref="HttpClient"/>, if any, is the only retry layer.
/// </remarks>
public sealed class PromptQueueClient
{
    /// <summary>The header that carries the key; the Functions host and <c>promptq serve</c> both read it.</summary>
    public const string ApiKeyHeader = "x-functions-key";

    /// <summary>The header that makes a submission idempotent.</summary>
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    private static readonly TimeSpan TimeoutMargin = TimeSpan.FromSeconds(10);

    /// <summary>A server that answers a long poll at once must not make the wait spin: rounds start at least this far apart.</summary>
    private static readonly TimeSpan MinimumRoundSpacing = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Answers are read leniently: a server newer than this client may add fields (the contract allows that), and
    /// that must not break the client.
    /// </summary>
    private static readonly JsonSerializerOptions ResponseJson =
        new(ContractJson.Options) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip };

    /// <summary>
    /// Requests write every <see cref="JsonElement"/> (tools, response format, <c>reasoning_details</c>) as the text it
    /// was read from: the serializer's default re-escapes strings, and reasoning must go back to the model byte for byte.
    /// </summary>
    private static readonly JsonSerializerOptions RequestJson = CreateRequestJson();

    /// <summary>Pauses between reads of a job the server does not know yet start here and double up to <see cref="UnknownJobMaxPause"/>.</summary>
    private static readonly TimeSpan UnknownJobFirstPause = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan UnknownJobMaxPause = TimeSpan.FromSeconds(15);

    private readonly HttpClient _http;
    private readonly Uri _api;
    private readonly string? _apiKey;
    private readonly TimeSpan _longPollRound;
    private readonly TimeSpan _unknownJobGrace;
    private readonly TimeProvider _time;

    /// <summary>Creates a client that sends its requests through <paramref name="httpClient"/>.</summary>
    /// <param name="httpClient">The HTTP client, typically from <c>IHttpClientFactory</c>.</param>
    /// <param name="options">Where the API is and its key.</param>
    /// <param name="timeProvider">The clock for <see cref="WaitForCompletionAsync"/>'s timeout; the system clock by default.</param>
    public PromptQueueClient(HttpClient httpClient, PromptQueueClientOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        if (options.BaseAddress is not { IsAbsoluteUri: true } baseAddress)
        {
            throw new ArgumentException("PromptQueueClientOptions.BaseAddress must be an absolute URL, such as http://127.0.0.1:7071.", nameof(options));
        }

        if (options.LongPollRound < TimeSpan.FromSeconds(1))
        {
            throw new ArgumentException("PromptQueueClientOptions.LongPollRound must be at least one second.", nameof(options));
        }

        if (options.UnknownJobGrace < TimeSpan.Zero)
        {
            throw new ArgumentException("PromptQueueClientOptions.UnknownJobGrace must not be negative.", nameof(options));
        }

        _http = httpClient;
        BaseAddress = baseAddress.AbsoluteUri.EndsWith('/') ? baseAddress : new Uri(baseAddress.AbsoluteUri + "/");
        _api = new Uri(BaseAddress, "api/");
        _apiKey = string.IsNullOrEmpty(options.ApiKey) ? null : options.ApiKey;
        _longPollRound = options.LongPollRound;
        _unknownJobGrace = options.UnknownJobGrace;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The app's root URL, ending in <c>/</c>; requests go to <c>api/</c> below it.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Submits a job. A job with its own <see cref="PromptJob.Id"/>, or an idempotency key, can be submitted again safely.</summary>
    /// <param name="job">The job.</param>
    /// <param name="idempotencyKey">Makes a repeated submission return the first one's answer instead of a second job.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The job's id and status; <see cref="JobAccepted.Created"/> is false when the same job already existed.</returns>
    /// <exception cref="PromptQueueApiException">The job was refused (400 with field errors, 409 when its id names another job).</exception>
    public Task<JobAccepted> SubmitAsync(PromptJob job, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        return SubmitUtf8Async(JsonSerializer.SerializeToUtf8Bytes(job, RequestJson), idempotencyKey, cancellationToken);
    }

    /// <summary>Submits a job given as v1 JSON text, sent as is (the server validates it).</summary>
    /// <inheritdoc cref="SubmitAsync(PromptJob, string?, CancellationToken)"/>
    public Task<JobAccepted> SubmitJsonAsync(string json, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(json);
        return SubmitUtf8Async(Encoding.UTF8.GetBytes(json), idempotencyKey, cancellationToken);
    }

    /// <summary>
    /// Submits a job given as v1 JSON in UTF-8 bytes, sent as they are: bytes that are not UTF-8 reach the server
    /// unaltered and are refused with the field's path, instead of being replaced on the way.
    /// </summary>
    public Task<JobAccepted> SubmitJsonAsync(byte[] utf8Json, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(utf8Json);
        return SubmitUtf8Async(utf8Json, idempotencyKey, cancellationToken);
    }

    /// <summary>Reads a job as it stands now.</summary>
    /// <returns>The job, or null when the server knows no job by that id.</returns>
    public Task<JobView?> GetAsync(string jobId, CancellationToken cancellationToken = default) =>
        GetOrNullAsync<JobView>(JobPath(jobId), cancellationToken);

    /// <summary>
    /// Waits until the job is terminal (Completed, Failed, Rejected, Cancelled or DeadLettered) with long polls of
    /// <see cref="PromptQueueClientOptions.LongPollRound"/> each, so waiting costs one request per round, not a poll a second.
    /// </summary>
    /// <remarks>
    /// A job sent with <see cref="PromptQueueQueueSender.EnqueueAsync"/> is unknown to the API until a worker takes its
    /// message. While the server answers "no such job", the wait reads again after pauses growing from 1 s to 15 s, for
    /// up to <see cref="PromptQueueClientOptions.UnknownJobGrace"/> and only
    /// then throws the 404; a <paramref name="timeout"/> that ends first throws <see cref="TimeoutException"/> as usual.
    /// <paramref name="progress"/> hears nothing until the job is known.
    /// </remarks>
    /// <param name="jobId">The job.</param>
    /// <param name="timeout">How long to wait in all; <see cref="Timeout.InfiniteTimeSpan"/> waits until the job ends or <paramref name="cancellationToken"/> fires.</param>
    /// <param name="progress">Told the job's state after every round, for a live display.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The terminal job.</returns>
    /// <exception cref="TimeoutException">The job was not terminal within <paramref name="timeout"/>; the message tells its last status.</exception>
    /// <exception cref="PromptQueueApiException">
    /// The server refused the request, for example 404 for a job it still did not know after
    /// <see cref="PromptQueueClientOptions.UnknownJobGrace"/>.
    /// </exception>
    public async Task<JobView> WaitForCompletionAsync(string jobId, TimeSpan timeout, IProgress<JobView>? progress = null, CancellationToken cancellationToken = default)
    {
        var path = JobPath(jobId);
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must be positive or Timeout.InfiniteTimeSpan.");
        }

        var round = EffectiveLongPollRound();
        var waitStarted = _time.GetUtcNow();
        DateTimeOffset? deadline = timeout == Timeout.InfiniteTimeSpan ? null : waitStarted + timeout;
        var unknownJobPause = UnknownJobFirstPause;
        while (true)
        {
            var started = _time.GetUtcNow();
            var wait = deadline is { } end && end - started < round ? end - started : round;
            var seconds = wait <= TimeSpan.Zero ? 0 : (int)Math.Ceiling(wait.TotalSeconds);
            var view = await GetOrNullAsync<JobView>($"{path}?wait={seconds}", cancellationToken);
            var now = _time.GetUtcNow();
            if (view is null)
            {
                // The server answers "no such job" at once, without holding the poll, so the pause is the client's.
                var graceLeft = waitStarted + _unknownJobGrace - now;
                if (graceLeft <= TimeSpan.Zero)
                {
                    throw UnknownJob(jobId, now - waitStarted);
                }

                if (now >= deadline)
                {
                    throw new TimeoutException($"Job {jobId} is not stored yet after waiting {timeout}: no worker has taken its queue message.");
                }

                var left = deadline is { } last && last - now < graceLeft ? last - now : graceLeft;

                await Task.Delay(left < unknownJobPause ? left : unknownJobPause, _time, cancellationToken);
                unknownJobPause = unknownJobPause * 2 > UnknownJobMaxPause ? UnknownJobMaxPause : unknownJobPause * 2;
                continue;
            }

            progress?.Report(view);
            if (view.Status.IsTerminal())
            {
                return view;
            }

            if (now >= deadline)
            {
                throw new TimeoutException($"Job {jobId} is still {view.Status} after waiting {timeout}.");
            }

            var tooSoon = MinimumRoundSpacing - (now - started);
            if (tooSoon > TimeSpan.Zero)
            {
                await Task.Delay(tooSoon, _time, cancellationToken);
            }
        }
    }

    /// <summary>Reads a job's full reasoning trace: the text and <c>reasoning_details</c> as the model sent them.</summary>
    /// <returns>The trace, or null when the server knows no job by that id.</returns>
    public Task<JobReasoning?> GetReasoningAsync(string jobId, CancellationToken cancellationToken = default) =>
        GetOrNullAsync<JobReasoning>(JobPath(jobId) + "/reasoning", cancellationToken);

    /// <summary>Cancels a job that has not started (Queued or Waiting).</summary>
    /// <returns>The cancelled job.</returns>
    /// <exception cref="PromptQueueApiException">409 when the job is already running or finished; 404 when unknown.</exception>
    public Task<JobView> CancelAsync(string jobId, CancellationToken cancellationToken = default) =>
        SendAsync<JobView>(HttpMethod.Post, JobPath(jobId) + "/cancel", null, cancellationToken);

    /// <summary>Runs a Failed or DeadLettered job again.</summary>
    /// <exception cref="PromptQueueApiException">409 when the job is in another status; 404 when unknown.</exception>
    public Task<JobAccepted> RetryAsync(string jobId, CancellationToken cancellationToken = default) =>
        SendAsync<JobAccepted>(HttpMethod.Post, JobPath(jobId) + "/retry", null, cancellationToken);

    /// <summary>Reads the shared request budget (requests left this minute and today, and when they reset), as the server reports it.</summary>
    public async Task<JsonElement> GetBudgetAsync(CancellationToken cancellationToken = default)
    {
        using var document = await SendAsync<JsonDocument>(HttpMethod.Get, "budget", null, cancellationToken);
        return document.RootElement.Clone();
    }

    /// <summary>
    /// One page of jobs, newest first (<c>GET /api/jobs</c>): filtered by status (comma-separated names), batch and
    /// creation time (<paramref name="since"/>: an ISO time, a UTC date, or an age such as <c>12h</c> or <c>7d</c>).
    /// Pass the page's <see cref="ListPage{T}.Continuation"/> back for the next; it is null on the last page.
    /// </summary>
    public Task<ListPage<JobListItem>> ListJobsAsync(string? status = null, string? batchId = null, string? since = null, int? top = null, string? continuation = null, CancellationToken cancellationToken = default) =>
        SendAsync<ListPage<JobListItem>>(HttpMethod.Get, "jobs" + Query(("status", status), ("batch", batchId), ("since", since), ("top", top?.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("continuation", continuation)), null, cancellationToken);

    /// <summary>One page of batches, newest first (<c>GET /api/batches</c>), filtered as <see cref="ListJobsAsync"/> is.</summary>
    public Task<ListPage<BatchView>> ListBatchesAsync(string? status = null, string? since = null, int? top = null, string? continuation = null, CancellationToken cancellationToken = default) =>
        SendAsync<ListPage<BatchView>>(HttpMethod.Get, "batches" + Query(("status", status), ("since", since), ("top", top?.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("continuation", continuation)), null, cancellationToken);

    private static string Query(params (string Name, string? Value)[] parameters)
    {
        var given = parameters.Where(p => p.Value is not null).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}").ToList();
        return given.Count == 0 ? "" : "?" + string.Join('&', given);
    }

    /// <summary>Reads the jobs, tokens and cost completed on a UTC day (today when <paramref name="day"/> is null), as the server reports them.</summary>
    public async Task<JsonElement> GetUsageAsync(DateOnly? day = null, CancellationToken cancellationToken = default)
    {
        var query = day is { } value ? "?day=" + value.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) : "";
        using var document = await SendAsync<JsonDocument>(HttpMethod.Get, "usage" + query, null, cancellationToken);
        return document.RootElement.Clone();
    }

    /// <summary>Submits a batch. Items are written as JSONL while the request is sent, so a large batch is never held in memory whole.</summary>
    /// <exception cref="PromptQueueApiException">The batch was refused, for example 400 with one error per bad item (paths start with the item's index).</exception>
    public Task<BatchAccepted> SubmitBatchAsync(IEnumerable<BatchItem> items, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        return SendAsync<BatchAccepted>(HttpMethod.Post, "batches", new JsonLinesContent(items), cancellationToken);
    }

    /// <summary>Submits a batch given as JSONL (one v1 job per line, each with an optional <c>custom_id</c>), streamed as is.</summary>
    /// <inheritdoc cref="SubmitBatchAsync(IEnumerable{BatchItem}, CancellationToken)"/>
    public Task<BatchAccepted> SubmitBatchJsonLinesAsync(Stream jsonLines, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jsonLines);
        var content = new StreamContent(jsonLines);
        content.Headers.ContentType = new MediaTypeHeaderValue(JsonLinesContent.MediaType) { CharSet = "utf-8" };
        return SendAsync<BatchAccepted>(HttpMethod.Post, "batches", content, cancellationToken);
    }

    /// <summary>Reads a batch's progress, counts and usage.</summary>
    /// <returns>The batch, or null when the server knows no batch by that id.</returns>
    public Task<BatchView?> GetBatchAsync(string batchId, CancellationToken cancellationToken = default) =>
        GetOrNullAsync<BatchView>(BatchPath(batchId), cancellationToken);

    /// <summary>Cancels a batch: items not yet released will not run; released ones finish.</summary>
    /// <returns>The batch as it stands after the cancel.</returns>
    public Task<BatchView> CancelBatchAsync(string batchId, CancellationToken cancellationToken = default) =>
        SendAsync<BatchView>(HttpMethod.Post, BatchPath(batchId) + "/cancel", null, cancellationToken);

    /// <summary>Runs the batch's Failed and DeadLettered items again.</summary>
    /// <returns>The batch as it stands after the retry.</returns>
    public Task<BatchView> RetryFailedAsync(string batchId, CancellationToken cancellationToken = default) =>
        SendAsync<BatchView>(HttpMethod.Post, BatchPath(batchId) + "/retry-failed", null, cancellationToken);

    /// <summary>
    /// Reads a batch's results one line at a time, in input order, as the server streams them: memory stays flat
    /// whatever the batch's size, and the first results are yours before the last are sent.
    /// </summary>
    /// <param name="batchId">The batch.</param>
    /// <param name="includeReasoning">Ask for each job's reasoning and <c>reasoning_details</c> too.</param>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <exception cref="InvalidDataException">A line is not a result line; the message tells which.</exception>
    public async IAsyncEnumerable<BatchResultLine> ReadBatchResultsAsync(
        string batchId,
        bool includeReasoning = false,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var body = await OpenBatchResultsAsync(batchId, includeReasoning, cancellationToken);
        using var reader = new StreamReader(body, Encoding.UTF8);
        var lineNumber = 0;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            yield return ParseResultLine(batchId, line, lineNumber);
        }
    }

    /// <summary>
    /// Opens a batch's results as the raw JSONL stream, for copying to a file or another service untouched.
    /// Dispose the stream to release the connection.
    /// </summary>
    /// <inheritdoc cref="ReadBatchResultsAsync"/>
    public async Task<Stream> OpenBatchResultsAsync(string batchId, bool includeReasoning = false, CancellationToken cancellationToken = default)
    {
        var path = BatchPath(batchId) + "/results" + (includeReasoning ? "?reasoning=true" : "");
        var response = await SendRawAsync(HttpMethod.Get, path, null, cancellationToken);
        try
        {
            await ThrowIfRefusedAsync(response, cancellationToken);
            return await response.Content.ReadAsStreamAsync(cancellationToken);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private static BatchResultLine ParseResultLine(string batchId, string line, int lineNumber)
    {
        try
        {
            return JsonSerializer.Deserialize<BatchResultLine>(line, ResponseJson)
                   ?? throw new JsonException("the line is null");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Line {lineNumber} of batch {batchId}'s results is not a result line: {ex.Message}", ex);
        }
    }

    private Task<JobAccepted> SubmitUtf8Async(byte[] json, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var content = new ByteArrayContent(json);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return SendAsync<JobAccepted>(HttpMethod.Post, "jobs", content, cancellationToken, idempotencyKey);
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken, string? idempotencyKey = null)
    {
        using var response = await SendRawAsync(method, path, content, cancellationToken, idempotencyKey);
        await ThrowIfRefusedAsync(response, cancellationToken);
        return await ReadAsync<T>(response, cancellationToken);
    }

    private async Task<T?> GetOrNullAsync<T>(string path, CancellationToken cancellationToken) where T : class
    {
        using var response = await SendRawAsync(HttpMethod.Get, path, null, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound && IsProblem(response))
        {
            // The API's own "no such job" answer. A bare 404 means the URL does not reach the API at all, and throws.
            return null;
        }

        await ThrowIfRefusedAsync(response, cancellationToken);
        return await ReadAsync<T>(response, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(_api, path)) { Content = content };
        if (_apiKey is not null)
        {
            request.Headers.TryAddWithoutValidation(ApiKeyHeader, _apiKey);
        }

        if (idempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation(IdempotencyKeyHeader, idempotencyKey);
        }

        return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<T>(ResponseJson, cancellationToken)
                   ?? throw new InvalidDataException($"PromptQueue answered {(int)response.StatusCode} with an empty body.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"PromptQueue answered {(int)response.StatusCode} with a body that is not the expected {typeof(T).Name}: {ex.Message}", ex);
        }
    }

    private static async Task ThrowIfRefusedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var status = (int)response.StatusCode;
        if (IsProblem(response) && TryParseProblem(body) is { } problem)
        {
            throw new PromptQueueApiException(problem with { Status = status }, null);
        }

        // Not the API's own answer (a gateway's error page, a bare 404 for a wrong URL): keep what was said.
        var title = response.ReasonPhrase is { Length: > 0 } reason ? reason : response.StatusCode.ToString();
        var detail = body.Length == 0 ? "the response has no body; check the URL" : Shorten(body);
        throw new PromptQueueApiException(new ApiProblem("about:blank", title, status, detail), body);
    }

    private static bool IsProblem(HttpResponseMessage response) =>
        string.Equals(response.Content.Headers.ContentType?.MediaType, ApiProblem.ContentType, StringComparison.OrdinalIgnoreCase);

    private static ApiProblem? TryParseProblem(string body)
    {
        try
        {
            return JsonSerializer.Deserialize<ApiProblem>(body, ResponseJson);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Shorten(string body)
    {
        const int MaxChars = 300;
        var oneLine = body.ReplaceLineEndings(" ").Trim();
        return oneLine.Length <= MaxChars ? oneLine : oneLine[..MaxChars] + " …";
    }

    private TimeSpan EffectiveLongPollRound()
    {
        if (_http.Timeout == Timeout.InfiniteTimeSpan)
        {
            return _longPollRound;
        }

        // A round the HttpClient would abort is a failed wait: stay under its timeout.
        var limit = _http.Timeout - TimeoutMargin;
        return limit < _longPollRound ? TimeSpan.FromSeconds(Math.Max(1, limit.TotalSeconds)) : _longPollRound;
    }

    private static PromptQueueApiException UnknownJob(string jobId, TimeSpan waited)
    {
        var detail = $"no job has the id '{jobId}'" + (waited > TimeSpan.Zero
            ? $" after waiting {waited}: if it was put on the queue, no worker has taken its message yet (PromptQueueClientOptions.UnknownJobGrace sets how long to wait)"
            : "");
        return new PromptQueueApiException(new ApiProblem("about:blank", "Job not found", (int)HttpStatusCode.NotFound, detail), null);
    }

    private static JsonSerializerOptions CreateRequestJson()
    {
        var options = new JsonSerializerOptions(ContractJson.Options);
        options.Converters.Add(new RawJsonElementConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    private static string JobPath(string jobId)
    {
        if (!PromptJobReader.IsValidJobId(jobId))
        {
            throw new ArgumentException($"'{jobId}' is not a job id.", nameof(jobId));
        }

        return "jobs/" + jobId;
    }

    private static string BatchPath(string batchId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(batchId);
        return "batches/" + Uri.EscapeDataString(batchId);
    }
}

/// <summary>Writes a <see cref="JsonElement"/> as the exact text it was parsed from; reads it as the default converter does.</summary>
internal sealed class RawJsonElementConverter : JsonConverter<JsonElement>
{
    public override JsonElement Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        JsonElement.ParseValue(ref reader);

    public override void Write(Utf8JsonWriter writer, JsonElement value, JsonSerializerOptions options) =>
        writer.WriteRawValue(value.GetRawText());
}
