namespace PromptQueue.Core.OpenRouter;

/// <summary>A finished completion, assembled from the stream.</summary>
/// <param name="Content">The answer text; empty when the model only called tools.</param>
/// <param name="Reasoning">The plain-text reasoning trace, or null when none was returned.</param>
/// <param name="ReasoningDetails">The merged reasoning_details items as a JSON array (unknown item types kept verbatim), or null when none were returned.</param>
/// <param name="ToolCalls">The tool calls, in index order.</param>
/// <param name="FinishReason">OpenRouter's normalized finish reason: stop, length, tool_calls, content_filter or error.</param>
/// <param name="NativeFinishReason">The provider's own finish reason.</param>
/// <param name="Usage">Token counts and cost, when the provider reported them.</param>
/// <param name="Provider">The upstream provider that served the call.</param>
/// <param name="Model">The model that actually answered, which may be a fallback.</param>
/// <param name="GenerationId">OpenRouter's generation id, for looking up the generation later.</param>
/// <param name="Logprobs">
/// When asked for, the answer's log probabilities as <c>{"content":[...],"refusal":[...]}</c>, each token's entry as the
/// provider sent it; null otherwise.
/// </param>
public sealed record ChatCompletion(
    string Content,
    string? Reasoning,
    string? ReasoningDetails,
    IReadOnlyList<ToolCall> ToolCalls,
    string? FinishReason,
    string? NativeFinishReason,
    ChatUsage? Usage,
    string? Provider,
    string? Model,
    string? GenerationId,
    string? Logprobs = null);

/// <summary>One tool call the model made; <paramref name="Arguments"/> is the JSON text the model produced.</summary>
public sealed record ToolCall(string Id, string Type, string Name, string Arguments);

/// <summary>Tokens and cost of one call; reasoning tokens are part of the completion tokens.</summary>
/// <param name="PromptTokens">Input tokens, in the model's own tokenizer.</param>
/// <param name="CompletionTokens">Output tokens, reasoning included.</param>
/// <param name="TotalTokens">Prompt plus completion tokens.</param>
/// <param name="ReasoningTokens">Reasoning tokens, when reported; can be 0 even when a trace came back.</param>
/// <param name="CachedTokens">Prompt tokens served from the provider's cache, when reported.</param>
/// <param name="Cost">In OpenRouter credits (about USD); 0 for free models, null when not reported.</param>
public sealed record ChatUsage(
    int PromptTokens,
    int CompletionTokens,
    int TotalTokens,
    int? ReasoningTokens,
    int? CachedTokens,
    decimal? Cost);
