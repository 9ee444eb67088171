using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace PromptQueue.Contracts;

/// <summary>Reads a v1 job from JSON and checks it, reporting every problem with its field path.</summary>
/// <remarks>
/// The checks walk the JSON itself rather than relying on deserializer exceptions, so that one pass reports all
/// problems, each with a message a caller can act on, instead of the first type mismatch only.
/// </remarks>
public static partial class PromptJobReader
{
    public const int MaxIdLength = 128;
    public const int MaxStopSequences = 4;
    public const int MaxMetadataKeyChars = 64;
    public const int MaxMetadataValueChars = 512;

    private static readonly string[] Roles = ["system", "user", "assistant", "tool"];
    private static readonly string[] Efforts = ["none", "minimal", "low", "medium", "high", "xhigh", "max"];
    private static readonly string[] ToolChoices = ["none", "auto", "required"];
    private static readonly string[] ResponseFormats = ["text", "json_object", "json_schema"];
    private static readonly string[] Summaries = ["auto", "concise", "detailed"];

    /// <summary>The most alternatives per token OpenRouter returns with <c>top_logprobs</c>.</summary>
    public const int MaxTopLogprobs = 20;

    /// <summary>Reads a job from UTF-8 JSON.</summary>
    public static JobReadResult Read(ReadOnlySpan<byte> utf8Json, JobLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        if (utf8Json.Length > limits.MaxPayloadBytes)
        {
            return Invalid("$", $"the job is {utf8Json.Length} bytes; the limit is {limits.MaxPayloadBytes} bytes");
        }

        // A byte order mark is no part of the job (RFC 8259 lets a reader ignore it); Windows tools write one.
        var reader = new Utf8JsonReader(utf8Json.StartsWith(Utf8Bom) ? utf8Json[Utf8Bom.Length..] : utf8Json);
        JsonDocument document;
        try
        {
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException ex)
        {
            return Invalid("$", $"not valid JSON: {Describe(ex)}");
        }

        using (document)
        {
            try
            {
                // Only whitespace may follow the job; anything else would be dropped without a word.
                reader.Read();
            }
            catch (JsonException ex)
            {
                return Invalid("$", $"there is more after the job ({Position(ex)}): send exactly one JSON object; several jobs make a batch");
            }

            return Read(document.RootElement, limits);
        }
    }

    /// <summary>Reads a job from JSON text.</summary>
    public static JobReadResult Read(string json, JobLimits limits)
    {
        ArgumentNullException.ThrowIfNull(json);
        byte[] utf8;
        try
        {
            utf8 = StrictUtf8.GetBytes(json);
        }
        catch (EncoderFallbackException)
        {
            // A lenient encoder would replace the character with U+FFFD and run a prompt the sender never wrote.
            return Invalid("$", "holds an unpaired surrogate character, which is " + UndecodableMessage);
        }

        return Read(utf8, limits);
    }

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads a job from an already parsed element (for example an item of a batch).</summary>
    public static JobReadResult Read(JsonElement root, JobLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var errors = CheckWellFormed(root);
        if (errors.Count > 0)
        {
            // Every later check reads strings, and none of these can be read.
            return new JobReadResult(null, errors);
        }

        CheckJob(root, limits, errors);
        if (errors.Count > 0)
        {
            return new JobReadResult(null, errors);
        }

        // The checks above guarantee the shape, so deserialization cannot fail on user input here.
        var job = root.Deserialize<PromptJob>(ContractJson.Options)
                  ?? throw new InvalidOperationException("A checked job deserialized to null.");
        return new JobReadResult(job, []);
    }

    /// <summary>True when <paramref name="id"/> may name a job: it is used as a Table storage key.</summary>
    public static bool IsValidJobId(string? id) => id is { Length: > 0 and <= MaxIdLength } && JobIdPattern().IsMatch(id);

    /// <summary>
    /// What a JSON parser accepts but a job must not hold: a string or property name that cannot be read as text
    /// (invalid UTF-8, or an escape of half a surrogate pair such as <c>\ud800</c>), and a property given twice in
    /// one object, whose earlier value would be dropped without a word. Reading such a string throws, so these are
    /// found first, each with its path, before any other check reads a string.
    /// </summary>
    public static List<JobValidationError> CheckWellFormed(JsonElement root)
    {
        var errors = new List<JobValidationError>();
        CheckWellFormed(root, "$", errors);
        return errors;
    }

    private static void CheckWellFormed(JsonElement element, string path, List<JobValidationError> errors)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String when !IsDecodable(() => element.GetString()):
                errors.Add(new(path, "is " + UndecodableMessage));
                break;
            case JsonValueKind.Object:
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    string? name = null;
                    if (!IsDecodable(() => name = property.Name))
                    {
                        errors.Add(new(path, "holds a property name that is " + UndecodableMessage));
                        continue;
                    }

                    if (!names.Add(name!))
                    {
                        errors.Add(new($"{path}.{name}", "is given more than once; give each field once"));
                        continue;
                    }

                    CheckWellFormed(property.Value, $"{path}.{name}", errors);
                }

                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    CheckWellFormed(item, $"{path}[{index++}]", errors);
                }

                break;
        }
    }

    private const string UndecodableMessage =
        "not valid Unicode text: it holds bytes that are not UTF-8 or an unpaired surrogate escape such as \\ud800; send the text as UTF-8 JSON";

    private static bool IsDecodable(Action read)
    {
        try
        {
            read();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static JobReadResult Invalid(string path, string message) => new(null, [new JobValidationError(path, message)]);

    private static string Describe(JsonException ex) =>
        ex.LineNumber is not null ? $"{FirstSentence(ex.Message)} ({Position(ex)})" : FirstSentence(ex.Message);

    private static string Position(JsonException ex) => $"line {ex.LineNumber + 1}, position {ex.BytePositionInLine + 1}";

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).TrimEnd('.', ' ');
    }

    private static void CheckJob(JsonElement root, JobLimits limits, List<JobValidationError> errors)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new("$", $"a job must be a JSON object, not {Kind(root)}"));
            return;
        }

        var fields = new Fields(root, "$", errors);
        fields.Optional("v", (e, p) =>
        {
            if (e.ValueKind != JsonValueKind.Number || !IsWholeNumber(e) || !e.TryGetDecimal(out var v) || v != 1)
            {
                errors.Add(new(p, "unsupported contract version; this worker reads version 1"));
            }
        });
        fields.Optional("id", (e, p) => CheckId(e, p, errors));
        var hasPrompt = fields.Optional("prompt", (e, p) => CheckText(e, p, limits, errors, allowEmpty: false));
        fields.Optional("system", (e, p) => CheckText(e, p, limits, errors, allowEmpty: false));
        var hasMessages = fields.Optional("messages", (e, p) => CheckMessages(e, p, limits, errors));
        fields.Optional("model", (e, p) => CheckModel(e, p, errors));
        fields.Optional("models", (e, p) => CheckArray(e, p, errors, limits.MaxFallbackModels, (item, ip) => CheckModel(item, ip, errors)));
        fields.Optional("reasoning", (e, p) => CheckReasoning(e, p, errors));
        fields.Optional("reasoning_effort", (e, p) => CheckEnum(e, p, Efforts, errors));
        fields.Optional("include_reasoning", (e, p) => CheckBoolean(e, p, errors));
        fields.Optional("temperature", (e, p) => CheckNumber(e, p, errors, 0, 2, minInclusive: true));
        fields.Optional("top_p", (e, p) => CheckNumber(e, p, errors, 0, 1, minInclusive: false));
        fields.Optional("top_k", (e, p) => CheckInteger(e, p, errors, 0, int.MaxValue));
        fields.Optional("min_p", (e, p) => CheckNumber(e, p, errors, 0, 1, minInclusive: true));
        fields.Optional("frequency_penalty", (e, p) => CheckNumber(e, p, errors, -2, 2, minInclusive: true));
        fields.Optional("presence_penalty", (e, p) => CheckNumber(e, p, errors, -2, 2, minInclusive: true));
        fields.Optional("repetition_penalty", (e, p) => CheckNumber(e, p, errors, 0, 2, minInclusive: false));
        fields.Optional("logit_bias", (e, p) => CheckLogitBias(e, p, errors));
        var asksLogprobs = false;
        fields.Optional("logprobs", (e, p) =>
        {
            CheckBoolean(e, p, errors);
            asksLogprobs = e.ValueKind == JsonValueKind.True;
        });
        var hasTopLogprobs = fields.Optional("top_logprobs", (e, p) => CheckInteger(e, p, errors, 0, MaxTopLogprobs));
        fields.Optional("parallel_tool_calls", (e, p) => CheckBoolean(e, p, errors));
        var hasMaxCompletionTokens = fields.Optional("max_completion_tokens", (e, p) => CheckInteger(e, p, errors, 1, int.MaxValue));
        var hasMaxTokens = fields.Optional("max_tokens", (e, p) => CheckInteger(e, p, errors, 1, int.MaxValue));
        fields.Optional("stop", (e, p) => CheckStop(e, p, errors));
        fields.Optional("seed", (e, p) =>
        {
            if (e.ValueKind != JsonValueKind.Number || !IsWholeNumber(e))
            {
                errors.Add(new(p, "must be an integer"));
            }
            else if (!e.TryGetDecimal(out var seed) || seed < long.MinValue || seed > long.MaxValue)
            {
                errors.Add(new(p, "must be an integer of 64 bits"));
            }
        });
        fields.Optional("tools", (e, p) => CheckArray(e, p, errors, limits.MaxTools, (item, ip) => CheckTool(item, ip, errors)));
        fields.Optional("tool_choice", (e, p) => CheckToolChoice(e, p, errors));
        fields.Optional("response_format", (e, p) => CheckResponseFormat(e, p, errors));
        fields.Optional("provider", (e, p) => RequireKind(e, p, JsonValueKind.Object, "an object", errors));
        fields.Optional("user", (e, p) => CheckText(e, p, limits, errors, allowEmpty: false));
        fields.Optional("metadata", (e, p) => CheckMetadata(e, p, limits, errors));
        fields.Optional("parent_job_id", (e, p) => CheckId(e, p, errors));
        fields.Optional("notify", (e, p) => CheckNotify(e, p, errors));
        fields.RejectUnknown();

        if (root.TryGetProperty("id", out var id) && root.TryGetProperty("parent_job_id", out var parent)
            && id.ValueKind == JsonValueKind.String && parent.ValueKind == JsonValueKind.String && id.GetString() == parent.GetString())
        {
            errors.Add(new("$.parent_job_id", "must name another job: a job cannot continue itself"));
        }

        if (hasTopLogprobs && !asksLogprobs)
        {
            errors.Add(new("$.top_logprobs", "needs \"logprobs\": true"));
        }

        if (hasMaxTokens && hasMaxCompletionTokens)
        {
            errors.Add(new("$.max_completion_tokens", "give either 'max_tokens' or 'max_completion_tokens', not both: they set the same limit"));
        }

        CheckReasoningContradictions(root, errors);

        if (hasPrompt && hasMessages)
        {
            errors.Add(new("$", "give either 'prompt' or 'messages', not both"));
        }
        else if (!hasPrompt && !hasMessages)
        {
            errors.Add(new("$", "a job needs 'prompt' (a string) or 'messages' (an array)"));
        }
    }

    private static void CheckId(JsonElement e, string path, List<JobValidationError> errors)
    {
        if (e.ValueKind != JsonValueKind.String)
        {
            errors.Add(new(path, $"must be a string, not {Kind(e)}"));
        }
        else if (!IsValidJobId(e.GetString()))
        {
            errors.Add(new(path, $"must be 1 to {MaxIdLength} characters of letters, digits, '-', '_', '.' or ':', starting with a letter or digit"));
        }
    }

    private static void CheckNotify(JsonElement e, string path, List<JobValidationError> errors)
    {
        if (!RequireKind(e, path, JsonValueKind.Object, "an object such as {\"results_queue\":true,\"webhook\":false}", errors))
        {
            return;
        }

        var fields = new Fields(e, path, errors);
        foreach (var channel in (string[])["results_queue", "webhook"])
        {
            fields.Optional(channel, (v, p) => CheckBoolean(v, p, errors));
        }

        fields.RejectUnknown();
    }

    private static void CheckModel(JsonElement e, string path, List<JobValidationError> errors)
    {
        if (e.ValueKind != JsonValueKind.String)
        {
            errors.Add(new(path, $"must be a model id string such as \"openai/gpt-oss-120b:free\", not {Kind(e)}"));
        }
        else if (!ModelPattern().IsMatch(e.GetString()!))
        {
            errors.Add(new(path, "is not a model id: expected a form such as \"openai/gpt-oss-120b:free\""));
        }
    }

    private static void CheckMessages(JsonElement e, string path, JobLimits limits, List<JobValidationError> errors)
    {
        if (e.ValueKind == JsonValueKind.Array && e.GetArrayLength() == 0)
        {
            errors.Add(new(path, "must hold at least one message"));
            return;
        }

        CheckArray(e, path, errors, limits.MaxMessages, (message, messagePath) => CheckMessage(message, messagePath, limits, errors));
    }

    private static void CheckMessage(JsonElement message, string path, JobLimits limits, List<JobValidationError> errors)
    {
        if (!RequireKind(message, path, JsonValueKind.Object, "an object with 'role' and 'content'", errors))
        {
            return;
        }

        var fields = new Fields(message, path, errors);
        string? role = null;
        if (!fields.Optional("role", (e, p) => role = CheckRole(e, p, errors)))
        {
            errors.Add(new(path + ".role", "is required"));
        }

        var hasToolCalls = fields.Optional("tool_calls", (e, p) => RequireKind(e, p, JsonValueKind.Array, "an array", errors));
        var hasContent = fields.Optional("content", (e, p) => CheckContent(e, p, limits, errors));
        fields.Optional("name", (e, p) => CheckText(e, p, limits, errors, allowEmpty: false));
        var hasToolCallId = fields.Optional("tool_call_id", (e, p) => CheckText(e, p, limits, errors, allowEmpty: false));
        var hasDetails = fields.Optional("reasoning_details", (e, p) => RequireKind(e, p, JsonValueKind.Array, "an array, as the model returned it", errors));
        fields.RejectUnknown();

        if (role is null)
        {
            return;
        }

        if (!hasContent && !(role == "assistant" && hasToolCalls))
        {
            errors.Add(new(path + ".content", "is required"));
        }

        if (role == "tool" && !hasToolCallId)
        {
            errors.Add(new(path + ".tool_call_id", "is required on a tool message"));
        }

        if (hasDetails && role != "assistant")
        {
            errors.Add(new(path + ".reasoning_details", "is allowed only on an assistant message"));
        }

        if (hasToolCalls && role != "assistant")
        {
            errors.Add(new(path + ".tool_calls", "is allowed only on an assistant message"));
        }
    }

    private static string? CheckRole(JsonElement e, string path, List<JobValidationError> errors)
    {
        var role = e.ValueKind == JsonValueKind.String ? e.GetString() : null;
        if (role is not null && Roles.Contains(role, StringComparer.Ordinal))
        {
            return role;
        }

        errors.Add(new(path, $"must be one of {string.Join(", ", Roles)}"));
        return null;
    }

    private static void CheckContent(JsonElement e, string path, JobLimits limits, List<JobValidationError> errors)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.String:
                CheckText(e, path, limits, errors, allowEmpty: true);
                break;
            case JsonValueKind.Array:
                CheckArray(e, path, errors, limits.MaxMessages, (part, partPath) =>
                {
                    if (RequireKind(part, partPath, JsonValueKind.Object, "a content part object such as {\"type\":\"text\",\"text\":\"...\"}", errors)
                        && (!part.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String))
                    {
                        errors.Add(new(partPath + ".type", "is required and must be a string"));
                    }
                });
                break;
            default:
                errors.Add(new(path, $"must be a string or an array of content parts, not {Kind(e)}"));
                break;
        }
    }

    private static void CheckReasoning(JsonElement e, string path, List<JobValidationError> errors)
    {
        if (!RequireKind(e, path, JsonValueKind.Object, "an object such as {\"effort\":\"high\"}", errors))
        {
            return;
        }

        var fields = new Fields(e, path, errors);
        fields.Optional("enabled", (v, p) => CheckBoolean(v, p, errors));
        var hasEffort = fields.Optional("effort", (v, p) => CheckEnum(v, p, Efforts, errors));
        var hasBudget = fields.Optional("max_tokens", (v, p) => CheckInteger(v, p, errors, 1, int.MaxValue));
        fields.Optional("exclude", (v, p) => CheckBoolean(v, p, errors));
        fields.Optional("summary", (v, p) => CheckEnum(v, p, Summaries, errors));
        fields.RejectUnknown();
        if (hasEffort && hasBudget)
        {
            errors.Add(new(path, "give either 'effort' or 'max_tokens', not both (OpenRouter accepts one)"));
        }
    }

    /// <summary>The reasoning settings a job may give in several places, which must agree.</summary>
    private static void CheckReasoningContradictions(JsonElement root, List<JobValidationError> errors)
    {
        var reasoning = root.TryGetProperty("reasoning", out var r) && r.ValueKind == JsonValueKind.Object ? r : default;
        string? StringIn(JsonElement owner, string name) =>
            owner.ValueKind == JsonValueKind.Object && owner.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        bool? BooleanIn(JsonElement owner, string name) =>
            owner.ValueKind == JsonValueKind.Object && owner.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;
        bool Has(JsonElement owner, string name) =>
            owner.ValueKind == JsonValueKind.Object && owner.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null;

        var shorthand = StringIn(root, "reasoning_effort");
        var effort = StringIn(reasoning, "effort");
        if (shorthand is not null && effort is not null && shorthand != effort)
        {
            errors.Add(new("$.reasoning_effort", $"is '{shorthand}' but reasoning.effort is '{effort}': give the effort once"));
        }

        if (shorthand is not null && Has(reasoning, "max_tokens"))
        {
            errors.Add(new("$.reasoning_effort", "give either an effort or reasoning.max_tokens, not both (OpenRouter accepts one)"));
        }

        if (BooleanIn(root, "include_reasoning") is { } include && BooleanIn(reasoning, "exclude") is { } exclude && include == exclude)
        {
            errors.Add(new("$.include_reasoning", $"is {(include ? "true" : "false")} but reasoning.exclude is {(exclude ? "true" : "false")}: include_reasoning is the deprecated opposite of reasoning.exclude; give reasoning.exclude alone"));
        }

        if (BooleanIn(reasoning, "enabled") == false && ((effort ?? shorthand) is { } asked && asked != "none" || Has(reasoning, "max_tokens")))
        {
            errors.Add(new("$.reasoning.enabled", "is false, but an effort or reasoning.max_tokens asks for reasoning"));
        }
    }

    private static void CheckEnum(JsonElement e, string path, string[] allowed, List<JobValidationError> errors)
    {
        if (e.ValueKind != JsonValueKind.String || !allowed.Contains(e.GetString(), StringComparer.Ordinal))
        {
            errors.Add(new(path, $"must be one of {string.Join(", ", allowed)}"));
        }
    }

    private static void CheckLogitBias(JsonElement e, string path, List<JobValidationError> errors)
    {
        if (!RequireKind(e, path, JsonValueKind.Object, "an object of token ids to biases, such as {\"50256\": -100}", errors))
        {
            return;
        }

        foreach (var property in e.EnumerateObject())
        {
            var itemPath = $"{path}.{property.Name}";
            if (property.Name.Length is 0 or > 10 || !property.Name.All(char.IsAsciiDigit))
            {
                errors.Add(new(itemPath, "keys must be token ids: strings of digits"));
            }

            CheckNumber(property.Value, itemPath, errors, -100, 100, minInclusive: true);
        }
    }

    private static void CheckStop(JsonElement e, string path, List<JobValidationError> errors)
    {
        if (e.ValueKind == JsonValueKind.String)
        {
            return;
        }

        if (e.ValueKind == JsonValueKind.Array && e.GetArrayLength() > MaxStopSequences)
        {
            errors.Add(new(path, $"holds {e.GetArrayLength()} sequences; at most {MaxStopSequences} are allowed"));
            return;
        }

        CheckArray(e, path, errors, MaxStopSequences, (item, itemPath) =>
            RequireKind(item, itemPath, JsonValueKind.String, "a string", errors));
    }

    private static void CheckTool(JsonElement tool, string path, List<JobValidationError> errors)
    {
        if (!RequireKind(tool, path, JsonValueKind.Object, "a tool object {\"type\":\"function\",\"function\":{...}}", errors))
        {
            return;
        }

        if (!tool.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != "function")
        {
            errors.Add(new(path + ".type", "must be \"function\""));
        }

        if (!tool.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new(path + ".function", "is required and must be an object with a 'name'"));
            return;
        }

        if (!function.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || !ToolNamePattern().IsMatch(name.GetString()!))
        {
            errors.Add(new(path + ".function.name", "is required: 1 to 64 letters, digits, '_' or '-'"));
        }

        if (function.TryGetProperty("description", out var description))
        {
            RequireKind(description, path + ".function.description", JsonValueKind.String, "a string", errors);
        }

        if (function.TryGetProperty("parameters", out var parameters) && parameters.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new(path + ".function.parameters", "must be a JSON Schema object"));
        }
    }

    private static void CheckToolChoice(JsonElement e, string path, List<JobValidationError> errors)
    {
        if (e.ValueKind == JsonValueKind.String)
        {
            if (!ToolChoices.Contains(e.GetString(), StringComparer.Ordinal))
            {
                errors.Add(new(path, $"must be one of {string.Join(", ", ToolChoices)}, or {{\"type\":\"function\",\"function\":{{\"name\":...}}}}"));
            }

            return;
        }

        if (e.ValueKind == JsonValueKind.Object && e.TryGetProperty("type", out var type)
            && (type.ValueKind != JsonValueKind.String || type.GetString() != "function"))
        {
            errors.Add(new(path + ".type", "must be \"function\" on an object: the words none, auto and required are given alone, as a string"));
        }

        if (e.ValueKind != JsonValueKind.Object
            || !e.TryGetProperty("function", out var function)
            || function.ValueKind != JsonValueKind.Object
            || !function.TryGetProperty("name", out var name)
            || name.ValueKind != JsonValueKind.String)
        {
            errors.Add(new(path, "must be \"none\", \"auto\", \"required\", or {\"type\":\"function\",\"function\":{\"name\":...}}"));
        }
    }

    private static void CheckResponseFormat(JsonElement e, string path, List<JobValidationError> errors)
    {
        if (!RequireKind(e, path, JsonValueKind.Object, "an object such as {\"type\":\"json_schema\",...}", errors))
        {
            return;
        }

        var type = e.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        if (type is null || !ResponseFormats.Contains(type, StringComparer.Ordinal))
        {
            errors.Add(new(path + ".type", $"must be one of {string.Join(", ", ResponseFormats)}"));
        }

        // A json_schema is required with type json_schema, and is checked wherever it is given: it is sent as it is.
        var hasSchema = e.TryGetProperty("json_schema", out var schema);
        if (type == "json_schema" && (!hasSchema || schema.ValueKind != JsonValueKind.Object))
        {
            errors.Add(new(path + ".json_schema", "is required when type is json_schema: {\"name\":...,\"schema\":{...}}"));
            return;
        }

        if (!hasSchema || !RequireKind(schema, path + ".json_schema", JsonValueKind.Object, "an object {\"name\":...,\"schema\":{...}}", errors))
        {
            return;
        }

        if (!schema.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || name.GetString()!.Length == 0)
        {
            errors.Add(new(path + ".json_schema.name", "is required"));
        }

        if (!schema.TryGetProperty("schema", out var body) || body.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new(path + ".json_schema.schema", "is required and must be a JSON Schema object"));
        }

        if (schema.TryGetProperty("strict", out var strict))
        {
            CheckBoolean(strict, path + ".json_schema.strict", errors);
        }
    }

    private static void CheckMetadata(JsonElement e, string path, JobLimits limits, List<JobValidationError> errors)
    {
        if (!RequireKind(e, path, JsonValueKind.Object, "an object of string values", errors))
        {
            return;
        }

        var count = 0;
        foreach (var property in e.EnumerateObject())
        {
            count++;
            var itemPath = $"{path}.{property.Name}";
            if (Characters(property.Name) is 0 or > MaxMetadataKeyChars)
            {
                errors.Add(new(itemPath, $"keys must be 1 to {MaxMetadataKeyChars} characters"));
            }

            if (property.Value.ValueKind != JsonValueKind.String)
            {
                errors.Add(new(itemPath, $"must be a string, not {Kind(property.Value)}"));
            }
            else if (Characters(property.Value.GetString()!) > MaxMetadataValueChars)
            {
                errors.Add(new(itemPath, $"must be at most {MaxMetadataValueChars} characters"));
            }
        }

        if (count > limits.MaxMetadataEntries)
        {
            errors.Add(new(path, $"holds {count} entries; at most {limits.MaxMetadataEntries} are allowed"));
        }
    }

    private static void CheckText(JsonElement e, string path, JobLimits limits, List<JobValidationError> errors, bool allowEmpty)
    {
        if (e.ValueKind != JsonValueKind.String)
        {
            errors.Add(new(path, $"must be a string, not {Kind(e)}"));
            return;
        }

        var length = Characters(e.GetString()!);
        if (length == 0 && !allowEmpty)
        {
            errors.Add(new(path, "must not be empty"));
        }
        else if (length > limits.MaxTextChars)
        {
            errors.Add(new(path, $"is {length} characters; the limit is {limits.MaxTextChars}"));
        }
    }

    /// <summary>
    /// A text's length as JSON Schema's minLength and maxLength count it, in Unicode code points: an emoji beyond the
    /// Basic Multilingual Plane is one character, not the two UTF-16 units of <see cref="string.Length"/>. (Every
    /// surrogate here is paired: <see cref="CheckWellFormed(JsonElement)"/> refused the job otherwise.)
    /// </summary>
    private static int Characters(string text)
    {
        var characters = text.Length;
        foreach (var unit in text)
        {
            if (char.IsLowSurrogate(unit))
            {
                characters--;
            }
        }

        return characters;
    }

    private static void CheckBoolean(JsonElement e, string path, List<JobValidationError> errors)
    {
        if (e.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            errors.Add(new(path, "must be true or false"));
        }
    }

    private static void CheckNumber(JsonElement e, string path, List<JobValidationError> errors, double min, double max, bool minInclusive)
    {
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetDouble(out var value))
        {
            errors.Add(new(path, $"must be a number, not {Kind(e)}"));
            return;
        }

        var aboveMin = minInclusive ? value >= min : value > min;
        if (!aboveMin || value > max)
        {
            var lower = minInclusive ? "[" : "(";
            errors.Add(new(path, $"must be in {lower}{min}, {max}]"));
        }
    }

    private static void CheckInteger(JsonElement e, string path, List<JobValidationError> errors, int min, int max)
    {
        var range = max == int.MaxValue ? $"at least {min}" : $"from {min} to {max}";
        if (e.ValueKind != JsonValueKind.Number)
        {
            errors.Add(new(path, $"must be an integer, not {Kind(e)}"));
        }
        else if (!IsWholeNumber(e))
        {
            errors.Add(new(path, $"must be an integer, not {e.GetRawText()}"));
        }
        else if (!e.TryGetDecimal(out var value) || value > int.MaxValue)
        {
            errors.Add(new(path, $"must be {range} (and at most {int.MaxValue})"));
        }
        else if (value < min || value > max)
        {
            errors.Add(new(path, $"must be {range}"));
        }
    }

    /// <summary>
    /// Whether a JSON number is whole, however it is written: 100, 100.0, 1e2 and 1.5e3 are (JSON Schema's "integer"
    /// reads them so); 1.5 and 1e-2 are not. Read from the text, so that no rounding (of a long fraction, or of a tiny
    /// exponent to 0) makes a fraction whole.
    /// </summary>
    private static bool IsWholeNumber(JsonElement number)
    {
        var text = number.GetRawText().AsSpan().TrimStart('-');
        var exponent = 0L;
        var e = text.IndexOfAny('e', 'E');
        if (e >= 0)
        {
            var written = text[(e + 1)..];
            if (!long.TryParse(written, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out exponent))
            {
                exponent = written[0] == '-' ? long.MinValue : long.MaxValue; // beyond any limit either way
            }

            text = text[..e];
        }

        // The digits without the point, and where the exponent puts the point among them: a whole number has no
        // digit but 0 after it (trailing zeros never make a fraction, and zero is whole however it is written).
        var point = text.IndexOf('.');
        var digits = (point < 0 ? text.ToString() : string.Concat(text[..point], text[(point + 1)..])).TrimEnd('0');
        var pointAt = (point < 0 ? text.Length : point) + Math.Clamp(exponent, -int.MaxValue, int.MaxValue);
        return digits.Length == 0 || digits.Length <= pointAt;
    }

    private static void CheckArray(JsonElement e, string path, List<JobValidationError> errors, int maxItems, Action<JsonElement, string> checkItem)
    {
        if (!RequireKind(e, path, JsonValueKind.Array, "an array", errors))
        {
            return;
        }

        var length = e.GetArrayLength();
        if (length > maxItems)
        {
            errors.Add(new(path, $"holds {length} items; at most {maxItems} are allowed"));
            return;
        }

        var index = 0;
        foreach (var item in e.EnumerateArray())
        {
            checkItem(item, $"{path}[{index++}]");
        }
    }

    private static bool RequireKind(JsonElement e, string path, JsonValueKind kind, string expected, List<JobValidationError> errors)
    {
        if (e.ValueKind == kind)
        {
            return true;
        }

        errors.Add(new(path, $"must be {expected}, not {Kind(e)}"));
        return false;
    }

    private static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    // The schema's patterns, ending in \z: .NET's $ also matches before a final line break, and "order-1\n" is no
    // id (Table storage refuses control characters in a key), no model and no tool name.
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._:-]*\z")]
    private static partial Regex JobIdPattern();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._/:@-]{0,199}\z")]
    private static partial Regex ModelPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_-]{1,64}\z")]
    private static partial Regex ToolNamePattern();

    /// <summary>Visits the known fields of one object and reports the ones nobody asked for.</summary>
    private sealed class Fields(JsonElement owner, string path, List<JobValidationError> errors)
    {
        private readonly HashSet<string> _known = new(StringComparer.Ordinal);

        /// <summary>Checks the field when present and not null; returns whether it was present.</summary>
        public bool Optional(string name, Action<JsonElement, string> check)
        {
            _known.Add(name);
            if (!owner.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return false;
            }

            check(value, $"{path}.{name}");
            return true;
        }

        public void RejectUnknown()
        {
            foreach (var property in owner.EnumerateObject())
            {
                if (!_known.Contains(property.Name))
                {
                    errors.Add(new($"{path}.{property.Name}", "is not a field of a v1 job" + Suggest(property.Name)));
                }
            }
        }

        private string Suggest(string name)
        {
            var bare = Bare(name);
            var match = _known
                .Select(known => (Known: known, Distance: EditDistance(Bare(known), bare)))
                .Where(candidate => candidate.Distance <= 2)
                .OrderBy(candidate => candidate.Distance)
                .Select(candidate => candidate.Known)
                .FirstOrDefault();
            return match is null ? "" : $" (did you mean '{match}'?)";
        }

        private static string Bare(string name) => name.Replace("_", "", StringComparison.Ordinal).ToUpperInvariant();

        /// <summary>Levenshtein distance: catches the usual typos (a letter missing, swapped or wrong).</summary>
        private static int EditDistance(string a, string b)
        {
            var previous = Enumerable.Range(0, b.Length + 1).ToArray();
            for (var i = 1; i <= a.Length; i++)
            {
                var current = new int[b.Length + 1];
                current[0] = i;
                for (var j = 1; j <= b.Length; j++)
                {
                    var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                    current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
                }

                previous = current;
            }

            return previous[b.Length];
        }
    }
}
