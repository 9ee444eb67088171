using System.Text;
using System.Text.Json;

namespace PromptQueue.Core.OpenRouter;

/// <summary>
/// Assembles the chunks of one streamed chat completion into a <see cref="ChatCompletion"/>. Also accepts a whole
/// non-streaming response body, for providers that ignore <c>stream</c>. Text is gathered in builders, so a trace of
/// millions of characters in thousands of fragments costs linear time.
/// </summary>
public sealed class ChatStreamAccumulator
{
    private readonly StringBuilder _content = new();
    private readonly StringBuilder _reasoning = new();
    private readonly ReasoningDetailsAccumulator _reasoningDetails = new();
    private readonly ToolCallsAccumulator _toolCalls = new();
    private readonly LogprobsAccumulator _logprobs = new();
    private string? _finishReason;
    private string? _nativeFinishReason;
    private string? _provider;
    private string? _model;
    private string? _generationId;
    private ChatUsage? _usage;

    /// <summary>The last finish reason seen so far, so that a caller can stop at <c>error</c>.</summary>
    public string? FinishReason => _finishReason;

    /// <summary>The upstream provider named by the chunks so far.</summary>
    public string? Provider => _provider;

    /// <summary>Adds one chunk (or one non-streaming body). Members it does not know are ignored.</summary>
    public void Add(JsonElement chunk)
    {
        if (chunk.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        _generationId = chunk.GetStringOrNull("id") ?? _generationId;
        _provider = chunk.GetStringOrNull("provider") ?? _provider;
        _model = chunk.GetStringOrNull("model") ?? _model;

        // Usage may come in its own chunk after the finish chunk, so it is taken from wherever it appears.
        if (chunk.TryGetMember("usage", JsonValueKind.Object, out var usage))
        {
            _usage = ReadUsage(usage);
        }

        if (chunk.TryGetMember("choices", JsonValueKind.Array, out var choices))
        {
            foreach (var choice in choices.EnumerateArray().Where(IsFirstChoice))
            {
                AddChoice(choice);
            }
        }
    }

    /// <summary>The completion as accumulated so far.</summary>
    public ChatCompletion Build() => new(
        Content: _content.ToString(),
        Reasoning: _reasoning.Length > 0 ? _reasoning.ToString() : null,
        ReasoningDetails: _reasoningDetails.ToJsonArray(),
        ToolCalls: _toolCalls.Build(),
        FinishReason: _finishReason,
        NativeFinishReason: _nativeFinishReason,
        Usage: _usage,
        Provider: _provider,
        Model: _model,
        GenerationId: _generationId,
        Logprobs: _logprobs.ToJson());

    // We never ask for n > 1; any other choice would belong to a different answer.
    private static bool IsFirstChoice(JsonElement choice) => (choice.GetInt32OrNull("index") ?? 0) == 0;

    private void AddChoice(JsonElement choice)
    {
        _finishReason = choice.GetStringOrNull("finish_reason") ?? _finishReason;
        _nativeFinishReason = choice.GetStringOrNull("native_finish_reason") ?? _nativeFinishReason;
        if (choice.TryGetMember("logprobs", JsonValueKind.Object, out var logprobs))
        {
            _logprobs.Add(logprobs);
        }

        // Streams carry a delta; a non-streaming body carries the whole message in the same shape, and its
        // reasoning_details are complete items rather than fragments.
        if (choice.TryGetMember("delta", JsonValueKind.Object, out var delta))
        {
            AddDelta(delta, streamed: true);
        }
        else if (choice.TryGetMember("message", JsonValueKind.Object, out var message))
        {
            AddDelta(message, streamed: false);
        }
    }

    private void AddDelta(JsonElement delta, bool streamed)
    {
        var content = delta.GetStringOrNull("content");
        _content.Append(content);
        _reasoning.Append(delta.GetStringOrNull("reasoning"));

        var hasDetails = delta.TryGetMember("reasoning_details", JsonValueKind.Array, out var details) && details.GetArrayLength() > 0;
        var hasToolCalls = delta.TryGetMember("tool_calls", JsonValueKind.Array, out var toolCalls) && toolCalls.GetArrayLength() > 0;
        if (hasDetails)
        {
            foreach (var detail in details.EnumerateArray())
            {
                if (streamed)
                {
                    _reasoningDetails.AddFragment(detail);
                }
                else
                {
                    _reasoningDetails.AddWhole(detail);
                }
            }
        }
        else if (content is { Length: > 0 } || hasToolCalls)
        {
            // The model moved on to its answer or a tool call: reasoning that follows is a new item.
            _reasoningDetails.EndItem();
        }

        if (hasToolCalls)
        {
            var position = 0;
            foreach (var fragment in toolCalls.EnumerateArray())
            {
                _toolCalls.Add(fragment, position++);
            }
        }
    }

    private static ChatUsage ReadUsage(JsonElement usage)
    {
        var promptTokens = usage.GetInt32OrNull("prompt_tokens") ?? 0;
        var completionTokens = usage.GetInt32OrNull("completion_tokens") ?? 0;
        usage.TryGetMember("completion_tokens_details", JsonValueKind.Object, out var completionDetails);
        usage.TryGetMember("prompt_tokens_details", JsonValueKind.Object, out var promptDetails);

        return new ChatUsage(
            PromptTokens: promptTokens,
            CompletionTokens: completionTokens,
            TotalTokens: usage.GetInt32OrNull("total_tokens") ?? promptTokens + completionTokens,
            ReasoningTokens: completionDetails.GetInt32OrNull("reasoning_tokens"),
            CachedTokens: promptDetails.GetInt32OrNull("cached_tokens"),
            Cost: usage.GetDecimalOrNull("cost"));
    }
}
