using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PromptQueue.Core.Telemetry;

namespace PromptQueue.Core.OpenRouter;

/// <summary>
/// Streams a chat completion from OpenRouter and turns every way it can end into a <see cref="ChatOutcome"/>.
/// Makes exactly one attempt: retrying is the job processor's decision.
/// </summary>
public sealed class OpenRouterChatClient : IChatCompletionClient
{
    private const string DoneSentinel = "[DONE]";
    private const string GenerationIdHeader = "X-Generation-Id";

    private readonly HttpClient _http;
    private readonly OpenRouterOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<OpenRouterChatClient> _logger;
    private readonly SecretRedactor _redactor;
    private readonly Uri _completionsUrl;

    public OpenRouterChatClient(HttpClient http, IOptions<OpenRouterOptions> options, TimeProvider time, ILogger<OpenRouterChatClient> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _http = http ?? throw new ArgumentNullException(nameof(http));
        _options = options.Value;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _redactor = new SecretRedactor(_options.ApiKey);
        var baseUrl = _options.BaseUrl ?? throw new ArgumentException("OpenRouter:BaseUrl is required.", nameof(options));
        _completionsUrl = new Uri(WithTrailingSlash(baseUrl), "chat/completions");
    }

    public async Task<ChatOutcome> CompleteAsync(ChatRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request = WithModel(request);
        var model = request.Model ?? string.Join(',', request.Models ?? []);

        using var requestTimeout = new CancellationTokenSource(_options.RequestTimeout, _time);
        using var idleTimeout = new CancellationTokenSource(_options.IdleTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, requestTimeout.Token, idleTimeout.Token);
        void ResetIdleTimeout() => idleTimeout.CancelAfter(_options.IdleTimeout);
        using var telemetry = ChatCallTelemetry.Start(request, model, _completionsUrl, _time, cancellationToken);

        ChatOutcome outcome;
        try
        {
            outcome = await SendAndReadAsync(request, model, ResetIdleTimeout, linked.Token);
        }
        catch (Exception exception) when (IsTransportFailure(exception) && !cancellationToken.IsCancellationRequested)
        {
            outcome = DescribeTransportFailure(exception, idleTimeout.IsCancellationRequested, requestTimeout.IsCancellationRequested);
        }
        catch (Exception exception) when (exception is IOException or HttpRequestException)
        {
            // Cancelling can break the connection before the token is observed; the caller must still see a cancellation.
            throw new OperationCanceledException("The OpenRouter call was cancelled.", exception, cancellationToken);
        }

        telemetry.Finish(outcome);
        LogOutcome(model, outcome);
        return outcome;
    }

    private async Task<ChatOutcome> SendAndReadAsync(ChatRequest request, string model, Action resetIdleTimeout, CancellationToken cancellationToken)
    {
        using var httpRequest = CreateHttpRequest(request);
        using var response = await _http.SendAsync(httpRequest, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        resetIdleTimeout();
        OpenRouterLog.CallReturned(_logger, model, (int)response.StatusCode);

        var responseStream = await response.Content.ReadAsStreamAsync(cancellationToken);
        await using var body = new ActivityTrackingStream(responseStream, resetIdleTimeout);

        if (!response.IsSuccessStatusCode)
        {
            return await ReadErrorResponseAsync(response, body, cancellationToken);
        }

        var generationId = response.Headers.TryGetValues(GenerationIdHeader, out var values) ? values.FirstOrDefault() : null;
        return IsJson(response.Content.Headers.ContentType)
            ? ReadJsonBody(await ReadAllTextAsync(body, cancellationToken), generationId)
            : await ReadEventStreamAsync(body, generationId, cancellationToken);
    }

    private HttpRequestMessage CreateHttpRequest(ChatRequest request)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(request, StreamingRequestJson.Options));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        var message = new HttpRequestMessage(HttpMethod.Post, _completionsUrl) { Content = content };

        if (!string.IsNullOrEmpty(_options.ApiKey))
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.ApiKey);
        }

        if (!string.IsNullOrEmpty(_options.Referer))
        {
            message.Headers.TryAddWithoutValidation("HTTP-Referer", _options.Referer);
        }

        if (!string.IsNullOrEmpty(_options.Title))
        {
            // X-OpenRouter-Title is the current name; X-Title is still honoured and costs nothing to send.
            message.Headers.TryAddWithoutValidation("X-OpenRouter-Title", _options.Title);
            message.Headers.TryAddWithoutValidation("X-Title", _options.Title);
        }

        return message;
    }

    private async Task<ChatOutcome> ReadErrorResponseAsync(HttpResponseMessage response, Stream body, CancellationToken cancellationToken)
    {
        var text = _redactor.Redact(await ReadAllTextAsync(body, cancellationToken));
        var hints = RetryHints.From(response.Headers, _time.GetUtcNow());
        return OpenRouterErrorClassifier.ClassifyHttpError((int)response.StatusCode, OpenRouterErrorPayload.FromBody(text), text, hints);
    }

    private async Task<ChatOutcome> ReadEventStreamAsync(Stream body, string? generationId, CancellationToken cancellationToken)
    {
        var accumulator = new ChatStreamAccumulator();

        // SseParser drops ":" comment lines such as ": OPENROUTER PROCESSING", as the SSE spec says.
        await foreach (var item in SseParser.Create(body).EnumerateAsync(cancellationToken))
        {
            var data = item.Data.Trim();
            if (data.Length == 0)
            {
                continue;
            }

            if (data == DoneSentinel)
            {
                return Finish(accumulator, generationId);
            }

            if (AddChunk(accumulator, data) is { } failure)
            {
                return failure;
            }
        }

        return OpenRouterErrorClassifier.MalformedResponse("stream_incomplete", "The stream ended without [DONE].", null);
    }

    /// <summary>A 200 JSON body: an error, or a whole completion from a provider that ignored <c>stream</c>.</summary>
    private ChatOutcome ReadJsonBody(string body, string? generationId)
    {
        var accumulator = new ChatStreamAccumulator();
        ChatOutcome? failure = AddChunk(accumulator, body, requireChoices: true);
        return failure ?? Finish(accumulator, generationId);
    }

    /// <summary>Adds one chunk, or returns the failure it reports.</summary>
    private ChatOutcome? AddChunk(ChatStreamAccumulator accumulator, string json, bool requireChoices = false)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException)
        {
            return OpenRouterErrorClassifier.MalformedResponse("malformed_json", "The response contained data that is not valid JSON.", _redactor.Redact(json));
        }

        using (document)
        {
            var chunk = document.RootElement;
            if (OpenRouterErrorPayload.TryFindError(chunk, out var error))
            {
                return DescribeInBandError(json, error, chunk.GetStringOrNull("provider") ?? accumulator.Provider);
            }

            if (requireChoices && !chunk.TryGetMember("choices", JsonValueKind.Array, out _))
            {
                return OpenRouterErrorClassifier.MalformedResponse("unexpected_body", "The response is JSON but has neither choices nor an error.", _redactor.Redact(json));
            }

            accumulator.Add(chunk);
            return accumulator.FinishReason == "error"
                ? OpenRouterErrorClassifier.FinishedWithError(_redactor.Redact(json), accumulator.Provider)
                : null;
        }
    }

    private ChatOutcome DescribeInBandError(string json, JsonElement error, string? providerName)
    {
        var payload = OpenRouterErrorPayload.FromError(error);
        var redacted = _redactor.Redact(json);

        // The key could only appear in the text fields; re-reading them from the redacted JSON would cost a second parse.
        payload = payload with
        {
            Message = _redactor.Redact(payload.Message),
            UpstreamMessage = payload.UpstreamMessage is null ? null : _redactor.Redact(payload.UpstreamMessage),
        };
        return OpenRouterErrorClassifier.ClassifyInBandError(payload, redacted, providerName);
    }

    private static ChatOutcome Finish(ChatStreamAccumulator accumulator, string? headerGenerationId)
    {
        var completion = accumulator.Build();
        completion = completion with { GenerationId = completion.GenerationId ?? headerGenerationId };

        return string.IsNullOrWhiteSpace(completion.Content) && completion.ToolCalls.Count == 0
            ? OpenRouterErrorClassifier.EmptyResponse(completion.FinishReason, completion.Provider)
            : new ChatSucceeded(completion);
    }

    private ChatRetryLater DescribeTransportFailure(Exception exception, bool idleTimedOut, bool requestTimedOut)
    {
        if (idleTimedOut)
        {
            return OpenRouterErrorClassifier.TimedOut("idle_timeout", $"No data arrived for {_options.IdleTimeout}.");
        }

        if (requestTimedOut)
        {
            return OpenRouterErrorClassifier.TimedOut("request_timeout", $"The call did not finish within {_options.RequestTimeout}.");
        }

        if (exception is OperationCanceledException)
        {
            // Neither our timeouts nor the caller: an HttpClient.Timeout configured outside this class.
            return OpenRouterErrorClassifier.TimedOut("http_client_timeout", _redactor.Redact(exception.Message));
        }

        var statusCode = (exception as HttpRequestException)?.StatusCode;
        return OpenRouterErrorClassifier.NetworkFailure(statusCode is null ? null : (int)statusCode, _redactor.Redact(DescribeException(exception)));
    }

    private void LogOutcome(string model, ChatOutcome outcome)
    {
        switch (outcome)
        {
            case ChatSucceeded { Completion: var completion }:
                OpenRouterLog.CallSucceeded(_logger, model, completion.Provider, completion.Model, completion.FinishReason,
                    completion.Usage?.PromptTokens, completion.Usage?.CompletionTokens, completion.GenerationId);
                break;
            case ChatRetryLater { Reason: var reason, Error: var error }:
                OpenRouterLog.CallFailed(_logger, model, $"{nameof(ChatRetryLater)}({reason})", error.HttpStatus, error.Code, error.Message);
                break;
            case ChatFailed { Error: var error }:
                OpenRouterLog.CallFailed(_logger, model, nameof(ChatFailed), error.HttpStatus, error.Code, error.Message);
                break;
            case ChatSystemicFailure { Error: var error }:
                OpenRouterLog.CallFailed(_logger, model, nameof(ChatSystemicFailure), error.HttpStatus, error.Code, error.Message);
                break;
        }
    }

    private ChatRequest WithModel(ChatRequest request) =>
        string.IsNullOrWhiteSpace(request.Model) && (request.Models is null || request.Models.Count == 0)
            ? request with { Model = _options.DefaultModel }
            : request;

    private static bool IsTransportFailure(Exception exception) =>
        exception is OperationCanceledException or IOException or HttpRequestException;

    private static bool IsJson(MediaTypeHeaderValue? contentType) =>
        contentType?.MediaType is { } mediaType
        && (mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));

    private static async Task<string> ReadAllTextAsync(Stream body, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(body, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, leaveOpen: true);
        return await reader.ReadToEndAsync(cancellationToken);
    }

    private static string DescribeException(Exception exception)
    {
        var root = exception.GetBaseException();
        return ReferenceEquals(root, exception) ? exception.Message : $"{exception.Message} ({root.Message})";
    }

    // Without the slash, "chat/completions" would replace the last segment of the base path instead of extending it.
    private static Uri WithTrailingSlash(Uri baseUrl) =>
        baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/");
}
