using System.Text.Json;
using System.Text.Json.Serialization;

namespace PromptQueue.Contracts;

/// <summary>A prompt job, contract version 1: what a caller asks PromptQueue to run against a chat model.</summary>
/// <remarks>
/// Field names and shapes follow OpenRouter's chat completions request, so a caller who knows that API knows this one.
/// <see cref="Prompt"/> and <see cref="System"/> are shorthands for a one-turn conversation. The JSON Schema in
/// <c>schemas/prompt-job.v1.schema.json</c> documents the same contract for callers in other languages.
/// </remarks>
public sealed record PromptJob
{
    /// <summary>Contract version; 1 when given.</summary>
    [JsonPropertyName("v")]
    public int? Version { get; init; }

    /// <summary>Optional caller-chosen id. It becomes the job id and makes submission idempotent.</summary>
    public string? Id { get; init; }

    public string? Prompt { get; init; }

    public string? System { get; init; }

    public IReadOnlyList<PromptMessage>? Messages { get; init; }

    /// <summary>Model id; when absent the worker's configured default is used.</summary>
    public string? Model { get; init; }

    /// <summary>OpenRouter's fallback list, tried in order when the first model errors.</summary>
    public IReadOnlyList<string>? Models { get; init; }

    public ReasoningSettings? Reasoning { get; init; }

    /// <summary>OpenRouter's shorthand for <c>reasoning.effort</c>; it may not contradict it.</summary>
    public string? ReasoningEffort { get; init; }

    /// <summary>Deprecated alias: <c>true</c> is <c>reasoning: {}</c>, <c>false</c> is <c>reasoning: {"exclude": true}</c>.</summary>
    public bool? IncludeReasoning { get; init; }

    public double? Temperature { get; init; }

    public double? TopP { get; init; }

    /// <summary>Sample from the K most likely tokens only; 0 turns it off.</summary>
    public int? TopK { get; init; }

    /// <summary>The least probability, relative to the most likely token's, that a token needs to be sampled.</summary>
    public double? MinP { get; init; }

    public double? FrequencyPenalty { get; init; }

    public double? PresencePenalty { get; init; }

    public double? RepetitionPenalty { get; init; }

    /// <summary>Bias per token id (given as a string of digits), from -100 to 100.</summary>
    public IReadOnlyDictionary<string, double>? LogitBias { get; init; }

    /// <summary>Return the log probability of each answer token; they are stored with the answer.</summary>
    public bool? Logprobs { get; init; }

    /// <summary>How many of the most likely alternatives to return per token (0 to 20); needs <see cref="Logprobs"/>.</summary>
    public int? TopLogprobs { get; init; }

    public bool? ParallelToolCalls { get; init; }

    /// <summary>The longest answer, in tokens; <see cref="MaxTokens"/> under the name OpenRouter now prefers. Give one of the two.</summary>
    public int? MaxCompletionTokens { get; init; }

    public int? MaxTokens { get; init; }

    /// <summary>A stop string or an array of at most four.</summary>
    public JsonElement? Stop { get; init; }

    public long? Seed { get; init; }

    public JsonElement? Tools { get; init; }

    public JsonElement? ToolChoice { get; init; }

    public JsonElement? ResponseFormat { get; init; }

    /// <summary>OpenRouter provider routing preferences, passed through as given.</summary>
    public JsonElement? Provider { get; init; }

    public string? User { get; init; }

    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>
    /// The job whose conversation this one continues: the worker sends that job's whole conversation and its answer
    /// (with <c>reasoning_details</c> unmodified) before this job's own messages, once that job has completed.
    /// </summary>
    public string? ParentJobId { get; init; }

    /// <summary>Which completion notices the job wants, where the worker's configuration offers them.</summary>
    public NotifySettings? Notify { get; init; }
}

/// <summary>
/// Per-job choice of completion notices. A channel the worker does not have configured is never used; a field left out
/// takes the worker's configured default.
/// </summary>
public sealed record NotifySettings
{
    /// <summary>Put a small notice on the configured results queue when the job finishes.</summary>
    public bool? ResultsQueue { get; init; }

    /// <summary>POST a signed notice to the configured webhook when the job finishes.</summary>
    public bool? Webhook { get; init; }
}

/// <summary>One turn of a conversation.</summary>
public sealed record PromptMessage
{
    public required string Role { get; init; }

    /// <summary>A string, or an array of content parts.</summary>
    public JsonElement? Content { get; init; }

    public string? Name { get; init; }

    public string? ToolCallId { get; init; }

    public JsonElement? ToolCalls { get; init; }

    /// <summary>An assistant turn's reasoning, to be sent back to the model byte for byte.</summary>
    public JsonElement? ReasoningDetails { get; init; }
}

/// <summary>How much the model should reason, and whether its trace is returned.</summary>
public sealed record ReasoningSettings
{
    /// <summary>true asks for reasoning at the model's default effort; false turns it off where the model allows.</summary>
    public bool? Enabled { get; init; }

    public string? Effort { get; init; }

    public int? MaxTokens { get; init; }

    public bool? Exclude { get; init; }

    /// <summary>How detailed a reasoning summary to return, for models that summarise: auto, concise or detailed.</summary>
    public string? Summary { get; init; }
}
