using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace PromptQueue.Simulator;

/// <summary>The function call the assistant makes when a script asks for <c>tool-call</c>.</summary>
internal sealed record ToolCallPlan(string Id, string Name, string Arguments);

/// <summary>Everything one simulated completion will say, decided before the first byte is written.</summary>
internal sealed record CompletionPlan
{
    public const string Provider = "OpenInference";

    private const string IdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    public required string Id { get; init; }

    public required long Created { get; init; }

    public required string Model { get; init; }

    public required string Reasoning { get; init; }

    public required ExtraDetailKind ExtraDetail { get; init; }

    public required string Answer { get; init; }

    public required ToolCallPlan? ToolCall { get; init; }

    /// <summary>The normalised reason; the simulated provider reports the same value natively.</summary>
    public required string FinishReason { get; init; }

    public required int PromptTokens { get; init; }

    public required SimDirectives Directives { get; init; }

    /// <summary>Alternatives per token when the request asked for logprobs; null when it did not.</summary>
    public int? TopLogprobs { get; init; }

    /// <summary>Seed for deterministic filler such as the encrypted blob.</summary>
    public required ulong ContentHash { get; init; }

    public int ReasoningTokens => EstimateTokens(Reasoning.Length);

    public int CompletionTokens => ReasoningTokens + EstimateTokens(Answer.Length + (ToolCall?.Arguments.Length ?? 0));

    /// <summary>OpenRouter's id form: <c>gen-&lt;unix seconds&gt;-&lt;20 random characters&gt;</c>.</summary>
    public static string NewGenerationId(long unixSeconds) =>
        $"gen-{unixSeconds}-{RandomNumberGenerator.GetString(IdAlphabet, 20)}";

    public static CompletionPlan Create(SimulatedChatRequest request, SimDirectives directives, string generationId, long created)
    {
        var hash = SyntheticText.StableHash(request.ConversationKey);
        var excerpt = SyntheticText.Excerpt(SimDirectives.Strip(request.LastUserText));
        return new CompletionPlan
        {
            Id = generationId,
            Created = created,
            Model = request.Model,
            TopLogprobs = request.TopLogprobs,
            Reasoning = directives.Empty ? string.Empty : FitLength(SyntheticText.Reasoning(excerpt, hash), directives.ReasoningChars),
            ExtraDetail = directives.Detail,
            Answer = directives.Empty || directives.ToolCall ? string.Empty : FitLength(SyntheticText.Answer(excerpt, hash), directives.AnswerChars),
            ToolCall = directives.ToolCall ? CreateToolCall(request, excerpt, hash) : null,
            FinishReason = ChooseFinishReason(directives),
            PromptTokens = Math.Max(1, EstimateTokens(request.PromptChars)),
            Directives = directives,
            ContentHash = hash,
        };
    }

    /// <summary>Roughly four characters per token, and at least one token for any text at all.</summary>
    public static int EstimateTokens(int chars) => chars == 0 ? 0 : Math.Max(1, chars / 4);

    private static string FitLength(string text, int? requestedLength) =>
        requestedLength is { } length ? SyntheticText.RepeatToLength(text, length) : text;

    private static ToolCallPlan CreateToolCall(SimulatedChatRequest request, string excerpt, ulong hash) => new(
        $"call_{hash:x16}",
        request.FirstToolName ?? "lookup",
        new JsonObject { ["query"] = excerpt }.ToJsonString(SimulatorJson.Options));

    private static string ChooseFinishReason(SimDirectives directives) => directives switch
    {
        { Error: ErrorMode.FinishError } => "error",
        { ToolCall: true } => "tool_calls",
        _ => "stop",
    };
}
