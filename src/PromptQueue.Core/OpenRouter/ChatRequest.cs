using System.Text.Json;

namespace PromptQueue.Core.OpenRouter;

/// <summary>A chat completions request as OpenRouter expects it; the client adds the streaming and usage switches itself.</summary>
public sealed record ChatRequest
{
    /// <summary>The model to use; when this and <see cref="Models"/> are both empty the configured default model is used.</summary>
    public string? Model { get; init; }

    /// <summary>Fallback models in priority order, tried by OpenRouter after <see cref="Model"/>.</summary>
    public IReadOnlyList<string>? Models { get; init; }

    /// <summary>Every model the call may be served by: the first, then the fallbacks.</summary>
    public IEnumerable<string> AllModels => (Model is null ? [] : new[] { Model }).Concat(Models ?? []);

    public required IReadOnlyList<ChatMessage> Messages { get; init; }

    public ReasoningOptions? Reasoning { get; init; }

    public double? Temperature { get; init; }

    public double? TopP { get; init; }

    public int? TopK { get; init; }

    public double? MinP { get; init; }

    public double? FrequencyPenalty { get; init; }

    public double? PresencePenalty { get; init; }

    public double? RepetitionPenalty { get; init; }

    public IReadOnlyDictionary<string, double>? LogitBias { get; init; }

    public bool? Logprobs { get; init; }

    public int? TopLogprobs { get; init; }

    public bool? ParallelToolCalls { get; init; }

    public int? MaxCompletionTokens { get; init; }

    public int? MaxTokens { get; init; }

    /// <summary>A stop string or an array of up to four.</summary>
    public JsonElement? Stop { get; init; }

    public long? Seed { get; init; }

    /// <summary>OpenAI-style function tools, passed through as given.</summary>
    public JsonElement? Tools { get; init; }

    public JsonElement? ToolChoice { get; init; }

    public JsonElement? ResponseFormat { get; init; }

    /// <summary>OpenRouter's provider routing preferences, passed through as given.</summary>
    public JsonElement? Provider { get; init; }

    /// <summary>A stable id of the end user, so that abuse blocks hit that user and not the whole account.</summary>
    public string? User { get; init; }

    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
}

/// <summary>How much the model should reason and whether the trace is returned.</summary>
public sealed record ReasoningOptions
{
    public bool? Enabled { get; init; }

    /// <summary>One of max, xhigh, high, medium, low, minimal or none; mapped by OpenRouter to what the model supports.</summary>
    public string? Effort { get; init; }

    /// <summary>A reasoning token budget, for models that take one instead of an effort level.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>True to let the model reason but leave the trace out of the response.</summary>
    public bool? Exclude { get; init; }

    /// <summary>auto, concise or detailed, for models that return a reasoning summary.</summary>
    public string? Summary { get; init; }
}
