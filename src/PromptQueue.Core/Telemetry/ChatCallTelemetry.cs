using System.Diagnostics;
using PromptQueue.Core.OpenRouter;

namespace PromptQueue.Core.Telemetry;

/// <summary>
/// The span and the two metrics of one model call, after the OpenTelemetry GenAI semantic conventions: a Client span
/// named <c>chat {model}</c> with <c>gen_ai.*</c> attributes, <c>gen_ai.client.operation.duration</c> and
/// <c>gen_ai.client.token.usage</c>. Only names, ids, counts and error codes are recorded: never message text.
/// </summary>
internal sealed class ChatCallTelemetry : IDisposable
{
    public const string OperationName = "chat";
    public const string ProviderName = "openrouter";

    private readonly Activity? _activity;
    private readonly string _requestModel;
    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly CancellationToken _cancellationToken;
    private readonly TagList _metricTags;
    private bool _finished;

    private ChatCallTelemetry(Activity? activity, string requestModel, TimeProvider time, TagList metricTags, CancellationToken cancellationToken)
    {
        _activity = activity;
        _requestModel = requestModel;
        _time = time;
        _started = time.GetTimestamp();
        _metricTags = metricTags;
        _cancellationToken = cancellationToken;
    }

    /// <summary>
    /// Starts the span of a call to <paramref name="endpoint"/> for <paramref name="model"/>. A call that ends by
    /// throwing while <paramref name="cancellationToken"/> is cancelled is recorded as cancelled.
    /// </summary>
    public static ChatCallTelemetry Start(ChatRequest request, string model, Uri endpoint, TimeProvider time, CancellationToken cancellationToken)
    {
        var tags = new TagList
        {
            { GenAiAttributes.OperationName, OperationName },
            { GenAiAttributes.ProviderName, ProviderName },
            { GenAiAttributes.System, ProviderName },
            { GenAiAttributes.RequestModel, model },
            { GenAiAttributes.ServerAddress, endpoint.Host },
            { GenAiAttributes.ServerPort, endpoint.Port },
        };

        // The request attributes go in at creation, where a sampler can see them.
        var activity = PromptQueueTelemetry.ActivitySource.StartActivity(ActivityKind.Client, tags: tags, name: $"{OperationName} {model}");
        if (activity is { IsAllDataRequested: true })
        {
            SetIfPresent(activity, GenAiAttributes.RequestMaxTokens, request.MaxTokens);
            SetIfPresent(activity, GenAiAttributes.RequestTemperature, request.Temperature);
            SetIfPresent(activity, GenAiAttributes.RequestTopP, request.TopP);
            SetIfPresent(activity, GenAiAttributes.RequestSeed, request.Seed);
        }

        return new ChatCallTelemetry(activity, model, time, tags, cancellationToken);
    }

    /// <summary>Records how the call ended: response attributes and token usage, or the error type.</summary>
    public void Finish(ChatOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        _finished = true;
        var tags = _metricTags;
        switch (outcome)
        {
            case ChatSucceeded { Completion: var completion }:
                if (completion.Model is { } responseModel)
                {
                    tags.Add(GenAiAttributes.ResponseModel, responseModel);
                }

                RecordTokens(tags, GenAiAttributes.TokenTypeInput, completion.Usage?.PromptTokens);
                RecordTokens(tags, GenAiAttributes.TokenTypeOutput, completion.Usage?.CompletionTokens);
                SetResponse(completion);
                break;

            case ChatRetryLater { Error: var error, Reason: var reason }:
                SetError(ref tags, error, $"{nameof(ChatRetryLater)}({reason})");
                if (reason is RetryReason.RateLimited or RetryReason.RateLimitedPerMinute or RetryReason.RateLimitedPerDay or RetryReason.UpstreamRateLimited)
                {
                    PromptQueueTelemetry.CallsRateLimited.Add(
                        1,
                        new KeyValuePair<string, object?>(GenAiAttributes.RequestModel, _requestModel),
                        new KeyValuePair<string, object?>(JobTelemetry.ReasonTag, reason.ToString()));
                }

                break;
            case ChatFailed { Error: var error }:
                SetError(ref tags, error, nameof(ChatFailed));
                break;
            case ChatSystemicFailure { Error: var error }:
                SetError(ref tags, error, nameof(ChatSystemicFailure));
                break;
        }

        PromptQueueTelemetry.GenAiOperationDuration.Record(_time.GetElapsedTime(_started).TotalSeconds, tags);
    }

    /// <summary>Ends the span; a call that never reached <see cref="Finish"/> threw, usually because it was cancelled.</summary>
    public void Dispose()
    {
        if (!_finished)
        {
            _finished = true;
            var tags = _metricTags;
            var errorType = _cancellationToken.IsCancellationRequested ? "cancelled" : "_OTHER";
            tags.Add(GenAiAttributes.ErrorType, errorType);
            _activity?.SetTag(GenAiAttributes.ErrorType, errorType);
            _activity?.SetStatus(ActivityStatusCode.Error, errorType);
            PromptQueueTelemetry.GenAiOperationDuration.Record(_time.GetElapsedTime(_started).TotalSeconds, tags);
        }

        _activity?.Dispose();
    }

    private void SetResponse(ChatCompletion completion)
    {
        if (_activity is not { IsAllDataRequested: true } activity)
        {
            return;
        }

        SetIfPresent(activity, GenAiAttributes.ResponseModel, completion.Model);
        SetIfPresent(activity, GenAiAttributes.ResponseId, completion.GenerationId);
        if (completion.FinishReason is { } finishReason)
        {
            activity.SetTag(GenAiAttributes.ResponseFinishReasons, new[] { finishReason });
        }

        SetIfPresent(activity, GenAiAttributes.UsageInputTokens, completion.Usage?.PromptTokens);
        SetIfPresent(activity, GenAiAttributes.UsageOutputTokens, completion.Usage?.CompletionTokens);
        SetIfPresent(activity, GenAiAttributes.OpenRouterProvider, completion.Provider);
    }

    private void SetError(ref TagList tags, ProviderError error, string outcome)
    {
        // The error code is low-cardinality (an HTTP status, an error type or a client code); the message stays in the log.
        tags.Add(GenAiAttributes.ErrorType, error.Code);
        if (_activity is null)
        {
            return;
        }

        _activity.SetTag(GenAiAttributes.ErrorType, error.Code);
        SetIfPresent(_activity, GenAiAttributes.HttpResponseStatusCode, error.HttpStatus);
        SetIfPresent(_activity, GenAiAttributes.OpenRouterProvider, error.ProviderName);
        _activity.SetStatus(ActivityStatusCode.Error, outcome);
    }

    private static void RecordTokens(TagList tags, string tokenType, int? count)
    {
        if (count is { } tokens)
        {
            tags.Add(GenAiAttributes.TokenType, tokenType);
            PromptQueueTelemetry.GenAiTokenUsage.Record(tokens, tags);
        }
    }

    private static void SetIfPresent<T>(Activity activity, string name, T? value)
    {
        if (value is not null)
        {
            activity.SetTag(name, value);
        }
    }
}

/// <summary>Attribute names and values of the OpenTelemetry GenAI semantic conventions that PromptQueue uses.</summary>
internal static class GenAiAttributes
{
    public const string OperationName = "gen_ai.operation.name";

    /// <summary>The current name of the provider attribute.</summary>
    public const string ProviderName = "gen_ai.provider.name";

    /// <summary>The provider attribute's earlier name, which many backends still read.</summary>
    public const string System = "gen_ai.system";

    public const string RequestModel = "gen_ai.request.model";
    public const string RequestMaxTokens = "gen_ai.request.max_tokens";
    public const string RequestTemperature = "gen_ai.request.temperature";
    public const string RequestTopP = "gen_ai.request.top_p";
    public const string RequestSeed = "gen_ai.request.seed";
    public const string ResponseModel = "gen_ai.response.model";
    public const string ResponseId = "gen_ai.response.id";
    public const string ResponseFinishReasons = "gen_ai.response.finish_reasons";
    public const string UsageInputTokens = "gen_ai.usage.input_tokens";
    public const string UsageOutputTokens = "gen_ai.usage.output_tokens";
    public const string TokenType = "gen_ai.token.type";
    public const string TokenTypeInput = "input";
    public const string TokenTypeOutput = "output";
    public const string ServerAddress = "server.address";
    public const string ServerPort = "server.port";
    public const string ErrorType = "error.type";
    public const string HttpResponseStatusCode = "http.response.status_code";

    /// <summary>The upstream provider OpenRouter routed the call to; not part of the conventions.</summary>
    public const string OpenRouterProvider = "openrouter.provider";
}
