using System.Text.Json;

namespace PromptQueue.Core.OpenRouter;

/// <summary>One message of the conversation; JSON-valued members are sent exactly as given.</summary>
public sealed record ChatMessage
{
    /// <summary>system, developer, user, assistant or tool.</summary>
    public required string Role { get; init; }

    /// <summary>A string, or an array of content parts.</summary>
    public JsonElement? Content { get; init; }

    public string? Name { get; init; }

    /// <summary>The call a tool message answers.</summary>
    public string? ToolCallId { get; init; }

    /// <summary>The tool calls an assistant message made.</summary>
    public JsonElement? ToolCalls { get; init; }

    /// <summary>Reasoning details of an earlier assistant turn; must go back byte for byte and in order.</summary>
    public JsonElement? ReasoningDetails { get; init; }

    /// <summary>A message whose content is plain text.</summary>
    public static ChatMessage FromText(string role, string text) =>
        new() { Role = role, Content = JsonSerializer.SerializeToElement(text, OpenRouterJson.Options) };
}
