using System.Text.Json;
using System.Text.Json.Nodes;
using PromptQueue.Contracts;
using PromptQueue.Core.OpenRouter;

namespace PromptQueue.Core.Processing;

/// <summary>The stored form of a conversation, and the assistant turn a finished job adds to it.</summary>
/// <remarks>
/// Messages are written with <see cref="OpenRouterJson.Options"/>, whose converter writes every JSON-valued member
/// (content, tool calls, reasoning_details) as its original text and reads it back the same way, so reasoning_details
/// pass through any number of generations byte for byte.
/// </remarks>
public static class ConversationHistory
{
    public static string Serialize(IReadOnlyList<ChatMessage> messages) => JsonSerializer.Serialize(messages, OpenRouterJson.Options);

    public static IReadOnlyList<ChatMessage> Deserialize(string json) =>
        JsonSerializer.Deserialize<List<ChatMessage>>(json, OpenRouterJson.Options)
        ?? throw new InvalidOperationException("A stored conversation is the JSON literal null.");

    /// <summary>The model's answer as the assistant message that continues the conversation.</summary>
    /// <param name="answer">The stored answer text, or null when there was none.</param>
    /// <param name="reasoningDetails">The stored reasoning_details JSON array, sent back unmodified.</param>
    /// <param name="toolCalls">The stored tool calls (PromptQueue's flat form), sent back in OpenAI's shape.</param>
    public static ChatMessage AssistantTurn(string? answer, string? reasoningDetails, string? toolCalls)
    {
        JsonElement? calls = toolCalls is null ? null : ToWireToolCalls(toolCalls);

        // A turn that only called tools has no text, which the API expresses by leaving content out.
        var content = string.IsNullOrEmpty(answer) && calls is not null ? null : answer ?? "";
        return new ChatMessage
        {
            Role = "assistant",
            Content = content is null ? null : JsonSerializer.SerializeToElement(content, OpenRouterJson.Options),
            ToolCalls = calls,
            ReasoningDetails = reasoningDetails is null ? null : JsonSerializer.Deserialize<JsonElement>(reasoningDetails, OpenRouterJson.Options),
        };
    }

    private static JsonElement ToWireToolCalls(string stored)
    {
        var calls = JsonSerializer.Deserialize<List<ToolCall>>(stored, ContractJson.Options) ?? [];
        var wire = new JsonArray();
        foreach (var call in calls)
        {
            wire.Add(new JsonObject
            {
                ["id"] = call.Id,
                ["type"] = call.Type,
                ["function"] = new JsonObject { ["name"] = call.Name, ["arguments"] = call.Arguments },
            });
        }

        return JsonSerializer.SerializeToElement(wire, OpenRouterJson.Options);
    }
}
