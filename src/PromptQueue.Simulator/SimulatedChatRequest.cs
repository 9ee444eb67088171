using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;

namespace PromptQueue.Simulator;

/// <summary>
/// The parts of an OpenAI/OpenRouter chat request, as the simulator receives it, that shape the simulated answer. Not the
/// request the worker sends (<c>PromptQueue.Core.OpenRouter.ChatRequest</c>).
/// </summary>
/// <param name="Model">The requested model, or the first of <c>models</c>.</param>
/// <param name="Stream">Whether the client asked for SSE.</param>
/// <param name="LastUserText">Text of the last user message, directives included.</param>
/// <param name="PromptChars">Characters across all message contents, for the prompt token estimate.</param>
/// <param name="ConversationKey">Canonical text of model and messages, directives removed; equal requests give equal keys.</param>
/// <param name="FirstToolName">Name of the first function tool offered, if any.</param>
/// <param name="TopLogprobs">Null unless <c>logprobs</c> is true; then how many alternatives per token (<c>top_logprobs</c>, 0 when absent).</param>
internal sealed record SimulatedChatRequest(
    string Model,
    bool Stream,
    string LastUserText,
    int PromptChars,
    string ConversationKey,
    string? FirstToolName,
    int? TopLogprobs = null)
{
    public static bool TryParse(string body, [NotNullWhen(true)] out SimulatedChatRequest? request, [NotNullWhen(false)] out string? error)
    {
        request = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            return TryRead(document.RootElement, out request, out error);
        }
        catch (JsonException)
        {
            error = "Invalid JSON in request body";
            return false;
        }
    }

    private static bool TryRead(JsonElement root, out SimulatedChatRequest? request, [NotNullWhen(false)] out string? error)
    {
        request = null;
        if (root.ValueKind != JsonValueKind.Object)
        {
            error = "Request body must be a JSON object";
            return false;
        }

        var model = ReadModel(root);
        if (string.IsNullOrWhiteSpace(model))
        {
            error = "No model provided: set \"model\" to a model id";
            return false;
        }

        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
        {
            error = "\"messages\" must be a non-empty array";
            return false;
        }

        request = new SimulatedChatRequest(
            model,
            root.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True,
            ReadLastUserText(messages),
            messages.EnumerateArray().Sum(m => ContentText(m).Length),
            BuildConversationKey(model, messages),
            ReadFirstToolName(root),
            root.TryGetProperty("logprobs", out var logprobs) && logprobs.ValueKind == JsonValueKind.True
                ? root.TryGetProperty("top_logprobs", out var top) && top.TryGetInt32(out var count) ? Math.Clamp(count, 0, 20) : 0
                : null);
        error = null;
        return true;
    }

    private static string? ReadModel(JsonElement root)
    {
        if (root.TryGetProperty("model", out var model) && model.ValueKind == JsonValueKind.String)
        {
            return model.GetString();
        }

        // OpenRouter also accepts a fallback list; the first entry is the one "used" here.
        if (root.TryGetProperty("models", out var models) && models.ValueKind == JsonValueKind.Array && models.GetArrayLength() > 0
            && models[0].ValueKind == JsonValueKind.String)
        {
            return models[0].GetString();
        }

        return null;
    }

    private static string ReadLastUserText(JsonElement messages)
    {
        var lastUser = messages.EnumerateArray().LastOrDefault(m => RoleOf(m) == "user");
        return lastUser.ValueKind == JsonValueKind.Object ? ContentText(lastUser) : string.Empty;
    }

    private static string? RoleOf(JsonElement message) =>
        message.ValueKind == JsonValueKind.Object && message.TryGetProperty("role", out var role) && role.ValueKind == JsonValueKind.String
            ? role.GetString()
            : null;

    /// <summary>Plain text of a message: the string content, or the text parts of a multi-part content.</summary>
    private static string ContentText(JsonElement message)
    {
        if (message.ValueKind != JsonValueKind.Object || !message.TryGetProperty("content", out var content))
        {
            return string.Empty;
        }

        return content.ValueKind switch
        {
            JsonValueKind.String => content.GetString() ?? string.Empty,
            JsonValueKind.Array => string.Concat(content.EnumerateArray().Select(TextPart)),
            _ => string.Empty,
        };
    }

    private static string TextPart(JsonElement part) =>
        part.ValueKind == JsonValueKind.Object && part.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String
            ? text.GetString() ?? string.Empty
            : string.Empty;

    private static string BuildConversationKey(string model, JsonElement messages)
    {
        var key = new StringBuilder(model);
        foreach (var message in messages.EnumerateArray())
        {
            // Role and text only, so whitespace or property order in the client's JSON cannot change the answer;
            // directives are left out so that scripting a fault does not change the text around it.
            key.Append('\u001f').Append(RoleOf(message)).Append('\u001e').Append(SimDirectives.Strip(ContentText(message)));
        }

        return key.ToString();
    }

    private static string? ReadFirstToolName(JsonElement root)
    {
        if (!root.TryGetProperty("tools", out var tools) || tools.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (var tool in tools.EnumerateArray())
        {
            if (tool.ValueKind == JsonValueKind.Object
                && tool.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.Object
                && function.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String)
            {
                return name.GetString();
            }
        }

        return null;
    }
}
