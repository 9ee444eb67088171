using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;

namespace PromptQueue.Client;

/// <summary>Translates between Microsoft.Extensions.AI's chat types and PromptQueue's v1 job and its answer.</summary>
internal static class ChatJobMapping
{
    /// <summary>The name a JSON schema response format gets when the caller gave none; OpenRouter requires one.</summary>
    private const string DefaultSchemaName = "response";

    /// <summary>MEAI's JSON settings (which know its content types), without the indenting they have for display.</summary>
    private static readonly JsonSerializerOptions CompactJson = new(AIJsonUtilities.DefaultOptions) { WriteIndented = false };

    /// <summary>
    /// The job for a chat call. <see cref="ChatOptions.AdditionalProperties"/> entries are job fields by their v1
    /// (snake_case) names, for what ChatOptions has no property for (<c>min_p</c>, <c>provider</c>, <c>metadata</c>, ...);
    /// a typed ChatOptions property wins over an entry for the same field.
    /// </summary>
    public static PromptJob ToJob(IEnumerable<ChatMessage> messages, ChatOptions? options, PromptJob? rawJob, string? defaultModelId)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var job = FromAdditionalProperties(options?.AdditionalProperties, rawJob ?? new PromptJob());
        var turns = new List<PromptMessage>(job.Messages ?? []);
        if (options?.Instructions is { Length: > 0 } instructions)
        {
            turns.Add(new PromptMessage { Role = "system", Content = JsonSerializer.SerializeToElement(instructions) });
        }

        foreach (var message in messages)
        {
            turns.AddRange(ToPromptMessages(message));
        }

        if (options is null)
        {
            return job with { Messages = turns, Model = job.Model ?? defaultModelId };
        }

        return job with
        {
            Messages = turns,
            Model = options.ModelId ?? job.Model ?? defaultModelId,
            Temperature = options.Temperature ?? job.Temperature,
            TopP = options.TopP ?? job.TopP,
            TopK = options.TopK ?? job.TopK,
            FrequencyPenalty = options.FrequencyPenalty ?? job.FrequencyPenalty,
            PresencePenalty = options.PresencePenalty ?? job.PresencePenalty,
            MaxTokens = options.MaxOutputTokens ?? job.MaxTokens,
            Seed = options.Seed ?? job.Seed,
            Stop = options.StopSequences is { Count: > 0 } stop ? JsonSerializer.SerializeToElement(stop) : job.Stop,
            Tools = ToTools(options.Tools) ?? job.Tools,
            ToolChoice = ToToolChoice(options.ToolMode) ?? job.ToolChoice,
            ParallelToolCalls = options.AllowMultipleToolCalls ?? job.ParallelToolCalls,
            ResponseFormat = ToResponseFormat(options.ResponseFormat) ?? job.ResponseFormat,
            Reasoning = ToReasoning(options.Reasoning, job.Reasoning),
            ParentJobId = options.ConversationId ?? job.ParentJobId,
        };
    }

    /// <summary>The answer of a completed job as a chat response; reasoning_details travel in <see cref="TextReasoningContent.ProtectedData"/>.</summary>
    public static ChatResponse ToResponse(JobView job, JobReasoning? reasoning)
    {
        var contents = new List<AIContent>();
        var details = reasoning?.ReasoningDetails is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } d ? d.GetRawText() : null;
        if (reasoning is not null && (!string.IsNullOrEmpty(reasoning.Reasoning) || details is not null))
        {
            contents.Add(new TextReasoningContent(reasoning.Reasoning) { ProtectedData = details, RawRepresentation = reasoning });
        }

        if (!string.IsNullOrEmpty(job.Answer))
        {
            contents.Add(new TextContent(job.Answer));
        }

        contents.AddRange(ToFunctionCalls(job.ToolCalls));
        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, contents) { MessageId = job.Id, RawRepresentation = job })
        {
            ResponseId = job.Id,
            ModelId = job.UsedModel ?? job.Model,
            CreatedAt = job.CompletedAt,
            FinishReason = ToFinishReason(job.FinishReason),
            Usage = ToUsage(job.Usage),
            RawRepresentation = job,
        };
        if (job.Cost is not null || job.Provider is not null)
        {
            response.AdditionalProperties = [];
            if (job.Cost is { } cost)
            {
                response.AdditionalProperties["cost"] = cost;
            }

            if (job.Provider is { } provider)
            {
                response.AdditionalProperties["provider"] = provider;
            }
        }

        return response;
    }

    private static PromptJob FromAdditionalProperties(AdditionalPropertiesDictionary? properties, PromptJob rawJob)
    {
        if (properties is not { Count: > 0 })
        {
            return rawJob;
        }

        // Read as a job, so a key that is no v1 field fails here with its name instead of vanishing.
        var fields = JsonSerializer.SerializeToNode(rawJob, ContractJson.Options)!.AsObject();
        foreach (var (name, value) in properties)
        {
            fields[name] = JsonSerializer.SerializeToNode(value, CompactJson);
        }

        try
        {
            return fields.Deserialize<PromptJob>(ContractJson.Options)!;
        }
        catch (JsonException ex)
        {
            throw new ArgumentException(
                $"ChatOptions.AdditionalProperties holds an entry that is not a v1 job field of the right type ({ex.Message}); entries are job fields by their snake_case names, such as min_p or provider.",
                nameof(properties),
                ex);
        }
    }

    private static IEnumerable<PromptMessage> ToPromptMessages(ChatMessage message)
    {
        var role = message.Role.Value;
        var parts = new JsonArray();
        var calls = new JsonArray();
        string? reasoningDetails = null;
        foreach (var content in message.Contents)
        {
            switch (content)
            {
                case FunctionResultContent result:
                    // The contract has one tool result per message: each result is a tool turn of its own.
                    yield return new PromptMessage { Role = "tool", ToolCallId = result.CallId, Content = JsonSerializer.SerializeToElement(ResultText(result.Result)) };
                    break;
                case TextReasoningContent reasoning:
                    reasoningDetails ??= reasoning.ProtectedData;
                    break;
                case TextContent text:
                    parts.Add(new JsonObject { ["type"] = "text", ["text"] = text.Text });
                    break;
                case FunctionCallContent call:
                    calls.Add(new JsonObject
                    {
                        ["id"] = call.CallId,
                        ["type"] = "function",
                        ["function"] = new JsonObject
                        {
                            ["name"] = call.Name,
                            ["arguments"] = JsonSerializer.Serialize(call.Arguments ?? new Dictionary<string, object?>(), CompactJson),
                        },
                    });
                    break;
                case DataContent data when data.HasTopLevelMediaType("image"):
                    parts.Add(ImagePart(data.Uri));
                    break;
                case UriContent uri when uri.HasTopLevelMediaType("image"):
                    parts.Add(ImagePart(uri.Uri.AbsoluteUri));
                    break;
                default:
                    throw new NotSupportedException(
                        $"A PromptQueue job cannot carry {content.GetType().Name} (in a {role} message): it takes text, images, function calls and results, and reasoning.");
            }
        }

        if (parts.Count == 0 && calls.Count == 0 && reasoningDetails is null)
        {
            yield break;
        }

        yield return new PromptMessage
        {
            Role = role,
            Name = message.AuthorName,
            Content = ToContent(parts, calls.Count > 0),
            ToolCalls = calls.Count > 0 ? JsonSerializer.SerializeToElement(calls) : null,
            ReasoningDetails = reasoningDetails is null ? null : ParseJson(reasoningDetails),
        };
    }

    /// <summary>Text alone as a plain string, as most callers write it; anything richer as content parts.</summary>
    private static JsonElement? ToContent(JsonArray parts, bool hasToolCalls)
    {
        if (parts.Count == 0)
        {
            return hasToolCalls ? null : JsonSerializer.SerializeToElement("");
        }

        if (parts.All(p => (string?)p!["type"] == "text"))
        {
            return JsonSerializer.SerializeToElement(string.Concat(parts.Select(p => (string?)p!["text"])));
        }

        return JsonSerializer.SerializeToElement(parts);
    }

    private static JsonObject ImagePart(string url) =>
        new() { ["type"] = "image_url", ["image_url"] = new JsonObject { ["url"] = url } };

    private static string ResultText(object? result) => result switch
    {
        null => "",
        string text => text,
        _ => JsonSerializer.Serialize(result, CompactJson),
    };

    /// <summary>Parsed from the text kept in ProtectedData and written back as that same text (see PromptQueueClient's request JSON).</summary>
    private static JsonElement ParseJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private static JsonElement? ToTools(IList<AITool>? tools)
    {
        if (tools is not { Count: > 0 })
        {
            return null;
        }

        var declarations = new JsonArray();
        foreach (var tool in tools)
        {
            if (tool is not AIFunctionDeclaration function)
            {
                throw new NotSupportedException($"A PromptQueue job takes function tools only, not {tool.GetType().Name} ('{tool.Name}').");
            }

            var declaration = new JsonObject { ["name"] = function.Name, ["parameters"] = JsonNode.Parse(function.JsonSchema.GetRawText()) };
            if (!string.IsNullOrEmpty(function.Description))
            {
                declaration["description"] = function.Description;
            }

            declarations.Add(new JsonObject { ["type"] = "function", ["function"] = declaration });
        }

        return JsonSerializer.SerializeToElement(declarations);
    }

    private static JsonElement? ToToolChoice(ChatToolMode? mode) => mode switch
    {
        null => null,
        NoneChatToolMode => JsonSerializer.SerializeToElement("none"),
        RequiredChatToolMode { RequiredFunctionName: { } name } =>
            JsonSerializer.SerializeToElement(new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = name } }),
        RequiredChatToolMode => JsonSerializer.SerializeToElement("required"),
        _ => JsonSerializer.SerializeToElement("auto"),
    };

    private static JsonElement? ToResponseFormat(ChatResponseFormat? format)
    {
        JsonObject? node = format switch
        {
            null => null,
            ChatResponseFormatJson { Schema: { } schema } json => new JsonObject
            {
                ["type"] = "json_schema",
                ["json_schema"] = WithoutNulls(new JsonObject
                {
                    ["name"] = json.SchemaName ?? DefaultSchemaName,
                    ["description"] = json.SchemaDescription,
                    ["schema"] = JsonNode.Parse(schema.GetRawText()),
                }),
            },
            ChatResponseFormatJson => new JsonObject { ["type"] = "json_object" },
            _ => new JsonObject { ["type"] = "text" },
        };
        return node is null ? null : JsonSerializer.SerializeToElement(node);
    }

    private static JsonObject WithoutNulls(JsonObject node)
    {
        foreach (var name in node.Where(p => p.Value is null).Select(p => p.Key).ToList())
        {
            node.Remove(name);
        }

        return node;
    }

    private static ReasoningSettings? ToReasoning(ReasoningOptions? reasoning, ReasoningSettings? fromProperties)
    {
        if (reasoning is null)
        {
            return fromProperties;
        }

        var settings = fromProperties ?? new ReasoningSettings();
        return settings with
        {
            Effort = reasoning.Effort switch
            {
                ReasoningEffort.None => "none",
                ReasoningEffort.Low => "low",
                ReasoningEffort.Medium => "medium",
                ReasoningEffort.High => "high",
                ReasoningEffort.ExtraHigh => "xhigh",
                _ => settings.Effort,
            },
            Exclude = reasoning.Output == ReasoningOutput.None ? true : settings.Exclude,
            Summary = reasoning.Output == ReasoningOutput.Summary ? settings.Summary ?? "auto" : settings.Summary,
        };
    }

    private static IEnumerable<FunctionCallContent> ToFunctionCalls(JsonElement? toolCalls)
    {
        if (toolCalls is not { ValueKind: JsonValueKind.Array } calls)
        {
            yield break;
        }

        foreach (var call in calls.EnumerateArray())
        {
            var function = call.TryGetProperty("function", out var f) ? f : default;
            var callId = call.TryGetProperty("id", out var id) ? id.GetString() ?? "" : "";
            var name = function.ValueKind == JsonValueKind.Object && function.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "";
            var arguments = function.ValueKind == JsonValueKind.Object && function.TryGetProperty("arguments", out var a) && a.ValueKind == JsonValueKind.String
                ? a.GetString()!
                : "{}";

            // Arguments the model got wrong are kept as the call's Exception, for FunctionInvokingChatClient to report back.
            var content = FunctionCallContent.CreateFromParsedArguments(arguments, callId, name, ParseArguments);
            content.RawRepresentation = call.Clone();
            yield return content;
        }
    }

    private static Dictionary<string, object?>? ParseArguments(string json) =>
        string.IsNullOrWhiteSpace(json) ? [] : JsonSerializer.Deserialize<Dictionary<string, object?>>(json, CompactJson);

    private static ChatFinishReason? ToFinishReason(string? reason) => reason switch
    {
        null or "" => null,
        "stop" => ChatFinishReason.Stop,
        "length" => ChatFinishReason.Length,
        "tool_calls" => ChatFinishReason.ToolCalls,
        "content_filter" => ChatFinishReason.ContentFilter,
        _ => new ChatFinishReason(reason),
    };

    private static UsageDetails? ToUsage(JobUsage? usage) => usage is null ? null : new UsageDetails
    {
        InputTokenCount = usage.PromptTokens,
        OutputTokenCount = usage.CompletionTokens,
        TotalTokenCount = usage.TotalTokens,
        ReasoningTokenCount = usage.ReasoningTokens,
        CachedInputTokenCount = usage.CachedTokens,
    };
}
