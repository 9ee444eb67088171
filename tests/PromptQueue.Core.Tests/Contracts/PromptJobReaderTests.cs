using System.Text.Json;
using PromptQueue.Contracts;

namespace PromptQueue.Core.Tests.Contracts;

public sealed class PromptJobReaderTests
{
    private static readonly JobLimits Limits = new();

    [Theory]
    [InlineData("""{"prompt":"a\ud800b"}""", "$.prompt")]
    [InlineData("""{"messages":[{"role":"user","content":"x\udc00"}]}""", "$.messages[0].content")]
    [InlineData("""{"prompt":"a","stop":["\ud800"]}""", "$.stop[0]")]
    [InlineData("""{"prompt":"a","metadata":{"tenant":"\ud83d"}}""", "$.metadata.tenant")]
    [InlineData("""{"prompt":"a","provider":{"order":["\udfff"]}}""", "$.provider.order[0]")]
    [InlineData("""{"prompt":"a","\udc00x":1}""", "$")]
    [InlineData("""{"prompt":"a","metadata":{"\ud800":"v"}}""", "$.metadata")]
    [InlineData("""{"messages":[{"role":"assistant","content":"c","reasoning_details":[{"type":"reasoning.text","text":"\ud800"}]}],"prompt":null}""", "$.messages[0].reasoning_details[0].text")]
    public void Read_UnpairedSurrogateEscape_IsAFieldErrorNotACrash(string json, string path)
    {
        // Act
        var result = PromptJobReader.Read(json, Limits);

        // Assert
        Assert.False(result.IsValid);
        var error = Assert.Single(result.Errors);
        Assert.Equal(path, error.Path);
        Assert.Contains("not valid Unicode text", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"prompt\":\"a\"} garbage")]
    [InlineData("{\"prompt\":\"a\"}\n{\"prompt\":\"b\"}\n{\"prompt\":\"c\"}\n")]
    [InlineData("{\"prompt\":\"a\"},")]
    public void Read_ContentAfterTheJob_IsRefusedNotDropped(string json)
    {
        // Act
        var result = PromptJobReader.Read(json, Limits);

        // Assert
        Assert.False(result.IsValid);
        var error = Assert.Single(result.Errors);
        Assert.Equal("$", error.Path);
        Assert.Contains("there is more after the job", error.Message, StringComparison.Ordinal);
        Assert.Contains("several jobs make a batch", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TrailingWhitespace_IsAccepted()
    {
        // Act
        var result = PromptJobReader.Read("{\"prompt\":\"a\"}\r\n  \n", Limits);

        // Assert
        Assert.True(result.IsValid);
    }

    [Fact]
    public void Read_InvalidUtf8InAString_IsAFieldErrorNotACrash()
    {
        // Arrange: 0xC3 0x28 is a truncated two-byte sequence, what a sender writing Latin-1 as UTF-8 produces.
        byte[] json = [.. "{\"system\":\"ok\",\"prompt\":\"Gr"u8, 0xC3, 0x28, .. "\"}"u8];

        // Act
        var result = PromptJobReader.Read(json, Limits);

        // Assert
        Assert.False(result.IsValid);
        var error = Assert.Single(result.Errors);
        Assert.Equal("$.prompt", error.Path);
        Assert.Contains("not valid Unicode text", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_Latin1Bytes_AreRefusedNotReplaced()
    {
        // Arrange: "Grüße" in Latin-1; a lenient decoder would turn it into "Gr\uFFFD\uFFFDe" and run that.
        byte[] json = [.. "{\"prompt\":\"Gr"u8, 0xFC, 0xDF, .. "e\"}"u8];

        // Act
        var result = PromptJobReader.Read(json, Limits);

        // Assert
        Assert.Equal("$.prompt", Assert.Single(result.Errors).Path);
    }

    [Fact]
    public void Read_Utf8ByteOrderMark_IsIgnored()
    {
        // Arrange: what Windows PowerShell's Out-File -Encoding utf8 writes.
        byte[] json = [0xEF, 0xBB, 0xBF, .. """{"prompt":"Grüße"}"""u8];

        // Act
        var result = PromptJobReader.Read(json, Limits);

        // Assert
        Assert.True(result.IsValid, result.Describe());
        Assert.Equal("Grüße", result.Job!.Prompt);
    }

    [Theory]
    [InlineData("""{"prompt":"first","prompt":"second"}""", "$.prompt")]
    [InlineData("""{"prompt":"a","metadata":{"k":"1","k":"2"}}""", "$.metadata.k")]
    [InlineData("""{"prompt":"ok","prompt":123}""", "$.prompt")]
    public void Read_FieldGivenTwice_IsRefusedRatherThanOneValueDropped(string json, string path)
    {
        // Act
        var result = PromptJobReader.Read(json, Limits);

        // Assert
        Assert.False(result.IsValid);
        Assert.Equal(path, Assert.Single(result.Errors).Path);
    }

    [Theory]
    [InlineData("""{"prompt":"a"} garbage""")]
    [InlineData("{\"prompt\":\"a\"}\n{\"prompt\":\"b\"}\n{\"prompt\":\"c\"}")]
    [InlineData("""{"prompt":"a"},""")]
    public void Read_ContentAfterTheJob_IsRefused(string json)
    {
        // Act
        var result = PromptJobReader.Read(json, Limits);

        // Assert
        Assert.False(result.IsValid);
        var error = Assert.Single(result.Errors);
        Assert.Equal("$", error.Path);
        Assert.Contains("after the job", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_EveryParameterTheModelSupports_IsAcceptedAndKept()
    {
        // Arrange: openai/gpt-oss-120b's supported parameters, each at a valid value.
        const string json = """
            {
              "prompt": "Think it through.",
              "reasoning": { "enabled": true, "effort": "high", "exclude": false, "summary": "detailed" },
              "reasoning_effort": "high", "include_reasoning": true,
              "frequency_penalty": -1.5, "presence_penalty": 2, "repetition_penalty": 1.1,
              "top_k": 40, "min_p": 0.05, "logit_bias": { "50256": -100, "11": 5.5 },
              "logprobs": true, "top_logprobs": 20, "parallel_tool_calls": false, "max_completion_tokens": 4096
            }
            """;

        // Act
        var result = PromptJobReader.Read(json, Limits);

        // Assert
        Assert.True(result.IsValid, result.Describe());
        var job = result.Job!;
        Assert.Equal(new ReasoningSettings { Enabled = true, Effort = "high", Exclude = false, Summary = "detailed" }, job.Reasoning);
        Assert.Equal(("high", true), (job.ReasoningEffort, job.IncludeReasoning));
        Assert.Equal((-1.5, 2.0, 1.1), (job.FrequencyPenalty, job.PresencePenalty, job.RepetitionPenalty));
        Assert.Equal((40, 0.05), (job.TopK, job.MinP));
        Assert.Equal(-100, job.LogitBias!["50256"]);
        Assert.Equal((true, 20, false, 4096), (job.Logprobs, job.TopLogprobs, job.ParallelToolCalls, job.MaxCompletionTokens));
    }

    [Theory]
    [InlineData("""{"prompt":"a","frequency_penalty":2.5}""", "$.frequency_penalty")]
    [InlineData("""{"prompt":"a","presence_penalty":-3}""", "$.presence_penalty")]
    [InlineData("""{"prompt":"a","repetition_penalty":0}""", "$.repetition_penalty")]
    [InlineData("""{"prompt":"a","repetition_penalty":2.5}""", "$.repetition_penalty")]
    [InlineData("""{"prompt":"a","top_k":-1}""", "$.top_k")]
    [InlineData("""{"prompt":"a","top_k":1.5}""", "$.top_k")]
    [InlineData("""{"prompt":"a","min_p":1.5}""", "$.min_p")]
    [InlineData("""{"prompt":"a","logit_bias":{"abc":1}}""", "$.logit_bias.abc")]
    [InlineData("""{"prompt":"a","logit_bias":{"42":101}}""", "$.logit_bias.42")]
    [InlineData("""{"prompt":"a","logit_bias":[1]}""", "$.logit_bias")]
    [InlineData("""{"prompt":"a","logprobs":"yes"}""", "$.logprobs")]
    [InlineData("""{"prompt":"a","logprobs":true,"top_logprobs":21}""", "$.top_logprobs")]
    [InlineData("""{"prompt":"a","parallel_tool_calls":1}""", "$.parallel_tool_calls")]
    [InlineData("""{"prompt":"a","max_completion_tokens":0}""", "$.max_completion_tokens")]
    [InlineData("""{"prompt":"a","reasoning_effort":"extreme"}""", "$.reasoning_effort")]
    [InlineData("""{"prompt":"a","include_reasoning":"no"}""", "$.include_reasoning")]
    [InlineData("""{"prompt":"a","reasoning":{"summary":"long"}}""", "$.reasoning.summary")]
    [InlineData("""{"prompt":"a","reasoning":{"enabled":"true"}}""", "$.reasoning.enabled")]
    [InlineData("""{"prompt":"a","max_tokens":2147483648}""", "$.max_tokens")]
    [InlineData("""{"prompt":"a","max_tokens":1e99999999999999999999}""", "$.max_tokens")]
    [InlineData("""{"prompt":"a","max_tokens":1e-99999999999999999999}""", "$.max_tokens")]
    [InlineData("""{"prompt":"a","top_k":1.00000000000000000000000000000001}""", "$.top_k")]
    [InlineData("""{"prompt":"a","seed":9223372036854775808}""", "$.seed")]
    [InlineData("""{"prompt":"a","seed":7.5}""", "$.seed")]
    [InlineData("""{"prompt":"a","v":1.5}""", "$.v")]
    public void Read_ParameterOutOfItsRange_IsAFieldError(string json, string path)
    {
        // Act
        var result = PromptJobReader.Read(json, Limits);

        // Assert
        Assert.False(result.IsValid);
        Assert.Equal(path, Assert.Single(result.Errors).Path);
    }

    [Theory]
    [InlineData("""{"prompt":"a","max_tokens":1e2,"top_k":40.0,"logprobs":true,"top_logprobs":2.0e1,"seed":1e18,"v":1.0,"reasoning":{"max_tokens":15e-1}}""")]
    [InlineData("""{"prompt":"a","max_tokens":100.000,"top_k":4E+1,"logprobs":true,"top_logprobs":20,"seed":1000000000000000000.0,"v":1e0,"reasoning":{"max_tokens":1.5}}""")]
    public void Read_WholeNumberInAnyNotation_IsThatInteger(string json)
    {
        // Act: JSON has one kind of number, and JSON Schema calls 100.0 and 1e2 integers; 15e-1 and 1.5 are not.
        var result = PromptJobReader.Read(json, Limits);
        var whole = PromptJobReader.Read(json.Replace("15e-1", "1e3", StringComparison.Ordinal).Replace("1.5}", "1000.0}", StringComparison.Ordinal), Limits);

        // Assert
        Assert.Equal([new("$.reasoning.max_tokens", $"must be an integer, not {(json.Contains("15e-1", StringComparison.Ordinal) ? "15e-1" : "1.5")}")], result.Errors);
        Assert.True(whole.IsValid, whole.Describe());
        var job = whole.Job!;
        Assert.Equal((100, 40, 20, 1_000_000_000_000_000_000L, 1, 1000), (job.MaxTokens, job.TopK, job.TopLogprobs, job.Seed, job.Version, job.Reasoning!.MaxTokens));
    }

    [Theory]
    [InlineData("""{"prompt":"a","include_reasoning":false,"reasoning":{"exclude":false}}""", "$.include_reasoning")]
    [InlineData("""{"prompt":"a","include_reasoning":true,"reasoning":{"exclude":true}}""", "$.include_reasoning")]
    [InlineData("""{"prompt":"a","reasoning_effort":"low","reasoning":{"effort":"high"}}""", "$.reasoning_effort")]
    [InlineData("""{"prompt":"a","reasoning_effort":"low","reasoning":{"max_tokens":1000}}""", "$.reasoning_effort")]
    [InlineData("""{"prompt":"a","reasoning":{"enabled":false,"effort":"high"}}""", "$.reasoning.enabled")]
    [InlineData("""{"prompt":"a","reasoning":{"enabled":false,"max_tokens":500}}""", "$.reasoning.enabled")]
    [InlineData("""{"prompt":"a","top_logprobs":3}""", "$.top_logprobs")]
    [InlineData("""{"prompt":"a","logprobs":false,"top_logprobs":3}""", "$.top_logprobs")]
    [InlineData("""{"prompt":"a","max_tokens":100,"max_completion_tokens":100}""", "$.max_completion_tokens")]
    public void Read_ContradictoryParameters_AreRefusedWithAClearError(string json, string path)
    {
        // Act
        var result = PromptJobReader.Read(json, Limits);

        // Assert
        Assert.False(result.IsValid);
        Assert.Equal(path, Assert.Single(result.Errors).Path);
    }

    [Fact]
    public void Read_ContinuationWithNotify_KeepsParentAndChoices()
    {
        // Arrange
        const string json = """{"prompt":"and then?","parent_job_id":"order-41","notify":{"results_queue":false,"webhook":true}}""";

        // Act
        var result = PromptJobReader.Read(json, Limits);

        // Assert
        Assert.True(result.IsValid, result.Describe());
        Assert.Equal("order-41", result.Job!.ParentJobId);
        Assert.Equal(new NotifySettings { ResultsQueue = false, Webhook = true }, result.Job.Notify);
    }

    [Fact]
    public void Read_FullJob_KeepsEveryField()
    {
        // Arrange
        const string json = """
            {
              "v": 1, "id": "order-42", "system": "Be terse.",
              "messages": [
                {"role": "user", "content": "2+2?"},
                {"role": "assistant", "content": "4", "reasoning_details": [{"type":"reasoning.text","text":"add","index":0,"format":"unknown"}]},
                {"role": "user", "content": [{"type":"text","text":"and 3+3?"}]}
              ],
              "model": "openai/gpt-oss-120b:free", "models": ["openai/gpt-oss-120b"],
              "reasoning": {"effort": "high", "exclude": false},
              "temperature": 0.2, "top_p": 0.9, "max_tokens": 512, "stop": ["END"], "seed": 7,
              "tools": [{"type":"function","function":{"name":"add","parameters":{"type":"object"}}}],
              "tool_choice": "auto",
              "response_format": {"type":"json_schema","json_schema":{"name":"sum","schema":{"type":"object"}}},
              "provider": {"sort": "throughput"}, "user": "svc-billing", "metadata": {"tenant": "a"}
            }
            """;

        // Act
        var result = PromptJobReader.Read(json, Limits);

        // Assert
        Assert.True(result.IsValid, result.Describe());
        var job = result.Job!;
        Assert.Equal("order-42", job.Id);
        Assert.Equal(3, job.Messages!.Count);
        Assert.Equal(JsonValueKind.Array, job.Messages[1].ReasoningDetails!.Value.ValueKind);
        Assert.Equal("high", job.Reasoning!.Effort);
        Assert.Equal(0.9, job.TopP);
        Assert.Equal(512, job.MaxTokens);
        Assert.Equal(7, job.Seed);
        Assert.Equal("a", job.Metadata!["tenant"]);
        Assert.Equal("throughput", job.Provider!.Value.GetProperty("sort").GetString());
    }

    [Theory]
    [InlineData("""{"prompt":"hi","temprature":1}""", "$.temprature", "is not a field of a v1 job (did you mean 'temperature'?)")]
    [InlineData("""{"prompt":"hi","messages":[{"role":"user","content":"x"}]}""", "$", "give either 'prompt' or 'messages', not both")]
    [InlineData("""{"model":"x/y"}""", "$", "a job needs 'prompt' (a string) or 'messages' (an array)")]
    [InlineData("""{"prompt":""}""", "$.prompt", "must not be empty")]
    [InlineData("""[1,2]""", "$", "a job must be a JSON object, not an array")]
    [InlineData("""{"v":2,"prompt":"hi"}""", "$.v", "unsupported contract version; this worker reads version 1")]
    [InlineData("""{"prompt":"hi","temperature":2.5}""", "$.temperature", "must be in [0, 2]")]
    [InlineData("""{"prompt":"hi","top_p":0}""", "$.top_p", "must be in (0, 1]")]
    [InlineData("""{"prompt":"hi","max_tokens":0}""", "$.max_tokens", "must be at least 1")]
    [InlineData("""{"prompt":"hi","max_tokens":"many"}""", "$.max_tokens", "must be an integer, not a string")]
    [InlineData("""{"prompt":"hi","stop":["1","2","3","4","5"]}""", "$.stop", "holds 5 sequences; at most 4 are allowed")]
    [InlineData("""{"prompt":"hi","stop":[1]}""", "$.stop[0]", "must be a string, not a number")]
    [InlineData("""{"prompt":"hi","id":"has space"}""", "$.id", "must be 1 to 128 characters of letters, digits, '-', '_', '.' or ':', starting with a letter or digit")]
    [InlineData("""{"prompt":"hi","id":"a/b"}""", "$.id", "must be 1 to 128 characters of letters, digits, '-', '_', '.' or ':', starting with a letter or digit")]
    [InlineData("""{"prompt":"hi","id":"order-1\n"}""", "$.id", "must be 1 to 128 characters of letters, digits, '-', '_', '.' or ':', starting with a letter or digit")]
    [InlineData("""{"prompt":"hi","model":"openai/gpt-oss-120b\n"}""", "$.model", "is not a model id: expected a form such as \"openai/gpt-oss-120b:free\"")]
    [InlineData("""{"prompt":"hi","model":"not a model"}""", "$.model", "is not a model id: expected a form such as \"openai/gpt-oss-120b:free\"")]
    [InlineData("""{"prompt":"hi","reasoning":{"effort":"extreme"}}""", "$.reasoning.effort", "must be one of none, minimal, low, medium, high, xhigh, max")]
    [InlineData("""{"prompt":"hi","reasoning":{"effort":"low","max_tokens":100}}""", "$.reasoning", "give either 'effort' or 'max_tokens', not both (OpenRouter accepts one)")]
    [InlineData("""{"messages":[]}""", "$.messages", "must hold at least one message")]
    [InlineData("""{"messages":[{"content":"x"}]}""", "$.messages[0].role", "is required")]
    [InlineData("""{"messages":[{"role":"user"}]}""", "$.messages[0].content", "is required")]
    [InlineData("""{"messages":[{"role":"tool","content":"42"}]}""", "$.messages[0].tool_call_id", "is required on a tool message")]
    [InlineData("""{"messages":[{"role":"user","content":"x","reasoning_details":[]}]}""", "$.messages[0].reasoning_details", "is allowed only on an assistant message")]
    [InlineData("""{"messages":[{"role":"user","content":{"text":"x"}}]}""", "$.messages[0].content", "must be a string or an array of content parts, not an object")]
    [InlineData("""{"prompt":"hi","tools":[{"type":"function","function":{"name":"bad name!"}}]}""", "$.tools[0].function.name", "is required: 1 to 64 letters, digits, '_' or '-'")]
    [InlineData("""{"prompt":"hi","tool_choice":"always"}""", "$.tool_choice", "must be one of none, auto, required, or {\"type\":\"function\",\"function\":{\"name\":...}}")]
    [InlineData("""{"prompt":"hi","response_format":{"type":"json_schema"}}""", "$.response_format.json_schema", "is required when type is json_schema: {\"name\":...,\"schema\":{...}}")]
    [InlineData("""{"prompt":"hi","response_format":{"type":"text","json_schema":5}}""", "$.response_format.json_schema", "must be an object {\"name\":...,\"schema\":{...}}, not a number")]
    [InlineData("""{"prompt":"hi","response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{},"strict":"yes"}}}""", "$.response_format.json_schema.strict", "must be true or false")]
    [InlineData("""{"prompt":"hi","tool_choice":{"type":"auto","function":{"name":"f"}}}""", "$.tool_choice.type", "must be \"function\" on an object: the words none, auto and required are given alone, as a string")]
    [InlineData("""{"prompt":"hi","tools":[{"type":"function","function":{"name":"f","description":42}}]}""", "$.tools[0].function.description", "must be a string, not a number")]
    [InlineData("""{"prompt":"hi","metadata":{"k":1}}""", "$.metadata.k", "must be a string, not a number")]
    [InlineData("""{"prompt":"hi","provider":"fast"}""", "$.provider", "must be an object, not a string")]
    [InlineData("""{"prompt":"hi","parent_job_id":"a/b"}""", "$.parent_job_id", "must be 1 to 128 characters of letters, digits, '-', '_', '.' or ':', starting with a letter or digit")]
    [InlineData("""{"prompt":"hi","parent_job_id":7}""", "$.parent_job_id", "must be a string, not a number")]
    [InlineData("""{"prompt":"hi","id":"same","parent_job_id":"same"}""", "$.parent_job_id", "must name another job: a job cannot continue itself")]
    [InlineData("""{"prompt":"hi","notify":{"webhook":"yes"}}""", "$.notify.webhook", "must be true or false")]
    [InlineData("""{"prompt":"hi","notify":{"webhook_url":"https://evil.example"}}""", "$.notify.webhook_url", "is not a field of a v1 job")]
    [InlineData("""{"prompt":"hi","notify":true}""", "$.notify", "must be an object such as {\"results_queue\":true,\"webhook\":false}, not a boolean")]
    public void Read_InvalidJob_ReportsFieldPathAndReason(string json, string path, string message)
    {
        // Act
        var result = PromptJobReader.Read(json, Limits);

        // Assert
        Assert.False(result.IsValid);
        Assert.Null(result.Job);
        Assert.Contains(new JobValidationError(path, message), result.Errors);
    }

    [Fact]
    public void Read_SeveralProblems_ReportsThemAll()
    {
        // Act
        var result = PromptJobReader.Read("""{"prompt":5,"temperature":"hot","colour":"red"}""", Limits);

        // Assert
        Assert.Equal(["$.prompt", "$.temperature", "$.colour"], result.Errors.Select(e => e.Path));
    }

    [Fact]
    public void Read_MalformedJson_ReportsWhere()
    {
        // Act
        var result = PromptJobReader.Read("{\n  \"prompt\": \"hi\",\n  oops\n}", Limits);

        // Assert
        var error = Assert.Single(result.Errors);
        Assert.Equal("$", error.Path);
        Assert.StartsWith("not valid JSON:", error.Message, StringComparison.Ordinal);
        Assert.Contains("line 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_OverConfiguredLimits_NamesEachLimit()
    {
        // Arrange
        var limits = new JobLimits { MaxTextChars = 10, MaxMessages = 1, MaxMetadataEntries = 1 };
        const string json = """{"messages":[{"role":"user","content":"short"},{"role":"user","content":"x"}],"system":"far too long a system text","metadata":{"a":"1","b":"2"}}""";

        // Act
        var result = PromptJobReader.Read(json, limits);

        // Assert
        Assert.Contains(new JobValidationError("$.messages", "holds 2 items; at most 1 are allowed"), result.Errors);
        Assert.Contains(new JobValidationError("$.system", "is 26 characters; the limit is 10"), result.Errors);
        Assert.Contains(new JobValidationError("$.metadata", "holds 2 entries; at most 1 are allowed"), result.Errors);
    }

    [Fact]
    public void Read_TextLimits_CountCodePointsAsJsonSchemaDoes()
    {
        // Arrange: each emoji is one code point and two UTF-16 units.
        var limits = new JobLimits { MaxTextChars = 10 };
        var key = string.Concat(Enumerable.Repeat("😀", PromptJobReader.MaxMetadataKeyChars));
        var value = string.Concat(Enumerable.Repeat("𝔸", PromptJobReader.MaxMetadataValueChars));

        // Act
        var atLimits = PromptJobReader.Read($$$"""{"prompt":"{{{string.Concat(Enumerable.Repeat("😀", 10))}}}","metadata":{"{{{key}}}":"{{{value}}}"}}""", limits);
        var over = PromptJobReader.Read($$$"""{"prompt":"{{{string.Concat(Enumerable.Repeat("😀", 11))}}}","metadata":{"{{{key}}}😀":"{{{value}}}𝔸"}}""", limits);

        // Assert
        Assert.True(atLimits.IsValid, atLimits.Describe());
        Assert.Equal(
            [new("$.prompt", "is 11 characters; the limit is 10"), new($"$.metadata.{key}😀", "keys must be 1 to 64 characters"), new($"$.metadata.{key}😀", "must be at most 512 characters")],
            over.Errors);
    }

    [Fact]
    public void Read_PayloadOverByteLimit_IsRejectedBeforeParsing()
    {
        // Arrange
        var limits = new JobLimits { MaxPayloadBytes = 1024 };
        var json = $$"""{"prompt":"{{new string('é', 600)}}"}""";

        // Act
        var result = PromptJobReader.Read(json, limits);

        // Assert
        var error = Assert.Single(result.Errors);
        Assert.Equal("the job is 1213 bytes; the limit is 1024 bytes", error.Message);
    }

    [Fact]
    public void Read_ReasoningDetailsOfAssistantTurn_SurviveUnmodified()
    {
        // Arrange: key order, spacing and unknown fields must all survive a round trip.
        const string details = """[{"type":"reasoning.encrypted","data":"abc==","index":0,"format":"openai-responses-v1","extra":{"z":1,"a":2}}]""";
        var json = $$"""{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a","reasoning_details":{{details}}},{"role":"user","content":"more"}]}""";

        // Act
        var job = PromptJobReader.Read(json, Limits).Job!;

        // Assert
        Assert.Equal(details, job.Messages![1].ReasoningDetails!.Value.GetRawText());
    }
}
