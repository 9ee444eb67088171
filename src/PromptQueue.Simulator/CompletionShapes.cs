using System.Text.Json.Nodes;

namespace PromptQueue.Simulator;

/// <summary>JSON shapes of OpenRouter chat completions and stream chunks, copied from recorded real traffic.</summary>
/// <remarks>Every call builds fresh nodes: a <see cref="JsonNode"/> can only have one parent.</remarks>
internal static class CompletionShapes
{
    public static JsonObject Chunk(CompletionPlan plan, JsonObject delta, string? finishReason = null)
    {
        var choice = Choice("delta", delta, finishReason);
        if (plan.TopLogprobs is { } top && (string?)delta["content"] is { Length: > 0 } content)
        {
            choice["logprobs"] = Logprobs(content, top);
        }

        return new JsonObject
        {
            ["id"] = plan.Id,
            ["provider"] = CompletionPlan.Provider,
            ["model"] = plan.Model,
            ["object"] = "chat.completion.chunk",
            ["created"] = plan.Created,
            ["choices"] = new JsonArray(choice),
        };
    }

    /// <summary>
    /// OpenAI-style log probabilities for <paramref name="text"/>, a token per word: <c>{"content":[{token, logprob,
    /// bytes, top_logprobs}], "refusal": null}</c>. The numbers are made up but deterministic.
    /// </summary>
    public static JsonObject Logprobs(string text, int top)
    {
        var entries = new JsonArray();
        foreach (var token in SplitTokens(text))
        {
            var logprob = -(double)(SyntheticText.StableHash(token) % 1000) / 1000.0;
            var alternatives = new JsonArray();
            for (var i = 0; i < top; i++)
            {
                alternatives.Add(new JsonObject { ["token"] = i == 0 ? token : token + i, ["logprob"] = logprob - i, ["bytes"] = Bytes(token) });
            }

            entries.Add(new JsonObject { ["token"] = token, ["logprob"] = logprob, ["bytes"] = Bytes(token), ["top_logprobs"] = alternatives });
        }

        return new JsonObject { ["content"] = entries, ["refusal"] = null };
    }

    private static IEnumerable<string> SplitTokens(string text)
    {
        var start = 0;
        for (var i = 1; i <= text.Length; i++)
        {
            if (i == text.Length || text[i] == ' ')
            {
                yield return text[start..i];
                start = i;
            }
        }
    }

    private static JsonArray Bytes(string token) => new([.. System.Text.Encoding.UTF8.GetBytes(token).Select(b => (JsonNode)b)]);

    /// <summary>The first chunk: it only announces the assistant role.</summary>
    public static JsonObject RoleDelta() => new() { ["role"] = "assistant", ["content"] = string.Empty };

    /// <summary>A reasoning fragment, carried both as plain text and as a <c>reasoning.text</c> detail.</summary>
    public static JsonObject ReasoningDelta(string fragment) =>
        Delta(content: string.Empty, reasoning: fragment, new JsonArray(ReasoningTextDetail(fragment)));

    public static JsonObject ContentDelta(string fragment) => Delta(content: fragment, reasoning: null, []);

    public static JsonObject DetailDelta(JsonObject detail) => Delta(content: string.Empty, reasoning: null, new JsonArray(detail));

    /// <summary>The tool call's opening fragment: id, type and name, with the arguments still empty.</summary>
    public static JsonObject ToolCallStartDelta(ToolCallPlan call)
    {
        var delta = Delta(content: string.Empty, reasoning: null, []);
        delta["tool_calls"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["id"] = call.Id,
            ["type"] = "function",
            ["function"] = new JsonObject { ["name"] = call.Name, ["arguments"] = string.Empty },
        });
        return delta;
    }

    /// <summary>A later tool call fragment: only the index and the next piece of the arguments string.</summary>
    public static JsonObject ToolCallArgumentsDelta(string argumentsFragment)
    {
        var delta = Delta(content: string.Empty, reasoning: null, []);
        delta["tool_calls"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["function"] = new JsonObject { ["arguments"] = argumentsFragment },
        });
        return delta;
    }

    public static JsonObject FinishDelta() => Delta(content: string.Empty, reasoning: null, []);

    /// <summary>The usage chunk real streams send after the finish chunk: one choice, no finish reason.</summary>
    public static JsonObject UsageChunk(CompletionPlan plan)
    {
        var chunk = Chunk(plan, RoleDelta());
        chunk["usage"] = Usage(plan);
        return chunk;
    }

    /// <summary>The chunk that ends a stream broken after it started: top-level error, choice finished with <c>error</c>.</summary>
    public static JsonObject MidStreamErrorChunk(CompletionPlan plan) => new()
    {
        ["id"] = plan.Id,
        ["object"] = "chat.completion.chunk",
        ["created"] = plan.Created,
        ["model"] = plan.Model,
        ["provider"] = CompletionPlan.Provider,
        ["error"] = MidStreamError(),
        ["choices"] = new JsonArray(Choice("delta", new JsonObject { ["content"] = string.Empty }, "error")),
    };

    /// <summary>The recorded in-band 400: the error beside a choice with finish_reason null, and the usage in the same chunk.</summary>
    public static JsonObject TokenLimitErrorChunk(CompletionPlan plan) => new()
    {
        ["id"] = plan.Id,
        ["provider"] = CompletionPlan.Provider,
        ["model"] = plan.Model,
        ["object"] = "chat.completion.chunk",
        ["created"] = plan.Created,
        ["choices"] = new JsonArray(Choice("delta", RoleDelta(), null)),
        ["error"] = TokenLimitError(),
        ["usage"] = Usage(plan),
    };

    /// <summary>A non-streaming <c>chat.completion</c>; <paramref name="failedMidway"/> marks one cut short by a provider failure.</summary>
    public static JsonObject Completion(CompletionPlan plan, string content, bool failedMidway)
    {
        var choice = Choice("message", Message(plan, content), failedMidway ? "error" : plan.FinishReason);
        if (plan.TopLogprobs is { } top && content.Length > 0)
        {
            choice["logprobs"] = Logprobs(content, top);
        }

        if (failedMidway)
        {
            choice["error"] = plan.Directives.Error == ErrorMode.TokenLimit ? TokenLimitError() : MidStreamError();
        }

        return new JsonObject
        {
            ["id"] = plan.Id,
            ["provider"] = CompletionPlan.Provider,
            ["model"] = plan.Model,
            ["object"] = "chat.completion",
            ["created"] = plan.Created,
            ["system_fingerprint"] = null,
            ["choices"] = new JsonArray(choice),
            ["usage"] = Usage(plan),
        };
    }

    public static JsonObject ReasoningTextDetail(string text) => new()
    {
        ["type"] = "reasoning.text",
        ["text"] = text,
        ["format"] = "unknown",
        ["index"] = 0,
    };

    /// <summary>The scripted extra details; index 1 because the plain-text trace holds index 0, except for OpenAI's encrypted items.</summary>
    public static IReadOnlyList<JsonObject> ExtraDetails(CompletionPlan plan) => plan.ExtraDetail switch
    {
        ExtraDetailKind.Unknown =>
        [
            new JsonObject
            {
                ["type"] = "reasoning.future_kind",
                ["index"] = 1,
                ["format"] = "unknown",
                ["payload"] = new JsonObject { ["note"] = "kept verbatim" },
            },
        ],
        ExtraDetailKind.Encrypted => [EncryptedDetail(plan, id: null, index: 1, salt: 0)],
        ExtraDetailKind.Summary =>
        [
            new JsonObject
            {
                ["type"] = "reasoning.summary",
                ["summary"] = "Worked out what the question asks and settled on a short, direct answer.",
                ["index"] = 1,
                ["format"] = "openai-responses-v1",
            },
        ],
        ExtraDetailKind.EncryptedItems =>
        [
            EncryptedDetail(plan, id: $"rs_{plan.ContentHash:x16}a", index: 0, salt: 1),
            EncryptedDetail(plan, id: $"rs_{plan.ContentHash:x16}b", index: 0, salt: 2),
        ],
        _ => [],
    };

    private static JsonObject EncryptedDetail(CompletionPlan plan, string? id, int index, ulong salt)
    {
        var detail = new JsonObject { ["type"] = "reasoning.encrypted", ["data"] = EncryptedBlob(plan.ContentHash + salt) };
        if (id is not null)
        {
            detail["id"] = id;
        }

        detail["format"] = "openai-responses-v1";
        detail["index"] = index;
        return detail;
    }

    private static JsonObject Choice(string bodyName, JsonObject body, string? finishReason) => new()
    {
        ["index"] = 0,
        [bodyName] = body,
        ["finish_reason"] = finishReason,
        ["native_finish_reason"] = finishReason,
        ["logprobs"] = null,
    };

    private static JsonObject Delta(string content, string? reasoning, JsonArray reasoningDetails) => new()
    {
        ["role"] = "assistant",
        ["content"] = content,
        ["reasoning"] = reasoning,
        ["reasoning_details"] = reasoningDetails,
    };

    private static JsonObject Message(CompletionPlan plan, string content)
    {
        var details = new JsonArray();
        if (plan.Reasoning.Length > 0)
        {
            details.Add(ReasoningTextDetail(plan.Reasoning));
        }

        foreach (var extra in ExtraDetails(plan))
        {
            details.Add(extra);
        }

        var message = new JsonObject
        {
            ["role"] = "assistant",
            // A tool-calling turn has no text at all, which OpenAI-style APIs express as null.
            ["content"] = plan.ToolCall is null ? content : null,
            ["refusal"] = null,
            ["reasoning"] = plan.Reasoning.Length > 0 ? plan.Reasoning : null,
            ["reasoning_details"] = details,
        };
        if (plan.ToolCall is { } call)
        {
            message["tool_calls"] = new JsonArray(new JsonObject
            {
                ["id"] = call.Id,
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = call.Name, ["arguments"] = call.Arguments },
                ["index"] = 0,
            });
        }

        return message;
    }

    private static JsonObject Usage(CompletionPlan plan) => new()
    {
        ["prompt_tokens"] = plan.PromptTokens,
        ["completion_tokens"] = plan.CompletionTokens,
        ["total_tokens"] = plan.PromptTokens + plan.CompletionTokens,
        ["prompt_tokens_details"] = new JsonObject { ["cached_tokens"] = 0 },
        ["completion_tokens_details"] = new JsonObject { ["reasoning_tokens"] = plan.ReasoningTokens },
        ["cost"] = 0,
        ["is_byok"] = false,
    };

    private static JsonObject TokenLimitError() => new() { ["code"] = 400, ["message"] = "Token limit reached" };

    private static JsonObject MidStreamError() => new()
    {
        ["code"] = 502,
        ["message"] = "Provider disconnected mid-stream",
        ["metadata"] = new JsonObject { ["error_type"] = "provider_unavailable" },
    };

    private static string EncryptedBlob(ulong seed)
    {
        var bytes = new byte[48];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(seed >> (i % 8 * 8) ^ (ulong)(i * 31));
        }

        return Convert.ToBase64String(bytes);
    }
}
