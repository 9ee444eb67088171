using System.Text;
using System.Text.Json;
using PromptQueue.Core.OpenRouter;

namespace PromptQueue.Core.Tests.OpenRouter;

public sealed class ChatStreamAccumulatorTests
{
    [Fact]
    public void Build_StreamWithUsageAfterFinishChunk_KeepsFinishReasonAndUsage()
    {
        // Arrange
        var accumulator = new ChatStreamAccumulator();
        string[] chunks =
        [
            OpenRouterSamples.Chunk("""{"role":"assistant","content":"2 + 2","reasoning":null,"reasoning_details":[]}"""),
            OpenRouterSamples.Chunk("""{"role":"assistant","content":" = 4."}""", finishReason: "\"stop\""),
            OpenRouterSamples.Chunk("""{"role":"assistant","content":""}""", usage: """{"prompt_tokens":72,"completion_tokens":41,"total_tokens":113,"cost":0,"prompt_tokens_details":{"cached_tokens":8},"completion_tokens_details":{"reasoning_tokens":28}}"""),
        ];

        // Act
        AddAll(accumulator, chunks);
        var completion = accumulator.Build();

        // Assert
        Assert.Equal("2 + 2 = 4.", completion.Content);
        Assert.Equal("stop", completion.FinishReason);
        Assert.Equal("stop", completion.NativeFinishReason);
        Assert.Equal(new ChatUsage(72, 41, 113, 28, 8, 0m), completion.Usage);
        Assert.Equal("OpenInference", completion.Provider);
        Assert.Equal("openai/gpt-oss-120b:free", completion.Model);
        Assert.Equal(OpenRouterSamples.GenerationId, completion.GenerationId);
    }

    [Fact]
    public void Build_UsageInChunkWithEmptyChoices_ReadsUsage()
    {
        // Arrange: the documented shape, where the usage chunk has no choices at all.
        var accumulator = new ChatStreamAccumulator();
        string[] chunks =
        [
            OpenRouterSamples.Chunk("""{"role":"assistant","content":"Hi"}""", finishReason: "\"stop\""),
            """{"id":"gen-1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6,"cost":1.5e-05}}""",
        ];

        // Act
        AddAll(accumulator, chunks);
        var usage = accumulator.Build().Usage;

        // Assert
        Assert.NotNull(usage);
        Assert.Equal(6, usage.TotalTokens);
        Assert.Equal(0.000015m, usage.Cost);
        Assert.Null(usage.ReasoningTokens);
        Assert.Null(usage.CachedTokens);
    }

    [Fact]
    public void Build_NoUsageReported_UsageIsNull()
    {
        // Arrange
        var accumulator = new ChatStreamAccumulator();

        // Act
        AddAll(accumulator, [OpenRouterSamples.Chunk("""{"content":"Hi"}""", finishReason: "\"stop\"")]);

        // Assert
        Assert.Null(accumulator.Build().Usage);
        Assert.Null(accumulator.Build().Reasoning);
        Assert.Null(accumulator.Build().ReasoningDetails);
    }

    [Fact]
    public void Build_ReasoningTextFragmentsWithSameIndex_MergesThemKeepingLastSignature()
    {
        // Arrange
        var accumulator = new ChatStreamAccumulator();
        string[] chunks =
        [
            OpenRouterSamples.Chunk("""{"reasoning":"Let me ","reasoning_details":[{"type":"reasoning.text","text":"Let me ","signature":null,"format":"anthropic-claude-v1","index":0}]}"""),
            OpenRouterSamples.Chunk("""{"reasoning":"think.","reasoning_details":[{"type":"reasoning.text","text":"think.","signature":null,"format":"anthropic-claude-v1","index":0}]}"""),
            OpenRouterSamples.Chunk("""{"reasoning_details":[{"type":"reasoning.text","text":"","signature":"EqQBCkgIARABGAIiQL5x","format":"anthropic-claude-v1","index":0}]}"""),
            OpenRouterSamples.Chunk("""{"content":"Done."}""", finishReason: "\"stop\""),
        ];

        // Act
        AddAll(accumulator, chunks);
        var completion = accumulator.Build();

        // Assert
        Assert.Equal("Let me think.", completion.Reasoning);
        using var details = JsonDocument.Parse(completion.ReasoningDetails!);
        var item = Assert.Single(details.RootElement.EnumerateArray());
        Assert.Equal("reasoning.text", item.GetProperty("type").GetString());
        Assert.Equal("Let me think.", item.GetProperty("text").GetString());
        Assert.Equal("EqQBCkgIARABGAIiQL5x", item.GetProperty("signature").GetString());
        Assert.Equal("anthropic-claude-v1", item.GetProperty("format").GetString());
        Assert.Equal(0, item.GetProperty("index").GetInt32());
    }

    [Fact]
    public void Build_DetailsOfDifferentTypesAndIndexes_KeepsThemApartInOrder()
    {
        // Arrange
        var accumulator = new ChatStreamAccumulator();
        string[] chunks =
        [
            OpenRouterSamples.Chunk("""{"reasoning_details":[{"type":"reasoning.summary","summary":"**Plan** ","format":"openai-responses-v1","index":0}]}"""),
            OpenRouterSamples.Chunk("""{"reasoning_details":[{"type":"reasoning.summary","summary":"add numbers","format":"openai-responses-v1","index":0}]}"""),
            OpenRouterSamples.Chunk("""{"reasoning_details":[{"type":"reasoning.encrypted","data":"gAAAAABo1","id":"rs_68f1","format":"openai-responses-v1","index":1}]}"""),
            OpenRouterSamples.Chunk("""{"reasoning_details":[{"type":"reasoning.encrypted","data":"x2Zk==","id":null,"format":null,"index":1}]}"""),
            OpenRouterSamples.Chunk("""{"reasoning_details":[{"type":"reasoning.text","text":"second pass","format":"unknown","index":2}]}"""),
            OpenRouterSamples.Chunk("""{"content":"4"}""", finishReason: "\"stop\""),
        ];

        // Act
        AddAll(accumulator, chunks);
        using var details = JsonDocument.Parse(accumulator.Build().ReasoningDetails!);
        var items = details.RootElement.EnumerateArray().ToArray();

        // Assert
        Assert.Equal(3, items.Length);
        Assert.Equal("**Plan** add numbers", items[0].GetProperty("summary").GetString());
        Assert.Equal("gAAAAABo1x2Zk==", items[1].GetProperty("data").GetString());
        Assert.Equal("rs_68f1", items[1].GetProperty("id").GetString());
        Assert.Equal("openai-responses-v1", items[1].GetProperty("format").GetString());
        Assert.Equal("second pass", items[2].GetProperty("text").GetString());
        Assert.Equal(2, items[2].GetProperty("index").GetInt32());
    }

    [Fact]
    public void Build_EncryptedItemsWithTheirOwnIdsAtOneIndex_KeepsEachItemVerbatim()
    {
        // Arrange: OpenAI models through OpenRouter stream several complete encrypted items, all at index 0.
        const string first = """{"type":"reasoning.encrypted","data":"gAAAAABpA1","id":"rs_0a1","format":"openai-responses-v1","index":0}""";
        const string second = """{"type":"reasoning.encrypted","data":"gAAAAABpB2","id":"rs_0b2","format":"openai-responses-v1","index":0}""";
        var accumulator = new ChatStreamAccumulator();
        string[] chunks =
        [
            OpenRouterSamples.Chunk($$"""{"role":"assistant","content":"","reasoning_details":[{{first}}]}"""),
            OpenRouterSamples.Chunk($$"""{"role":"assistant","content":"","reasoning_details":[{{second}}]}"""),
            OpenRouterSamples.Chunk("""{"content":"done"}""", finishReason: "\"stop\""),
        ];

        // Act
        AddAll(accumulator, chunks);

        // Assert
        Assert.Equal($"[{first},{second}]", accumulator.Build().ReasoningDetails);
    }

    [Fact]
    public void Build_ItemThenContentThenAnotherItem_DoesNotCarryTheFirstItemAcrossTheContent()
    {
        // Arrange: reasoning, an answer in between, then reasoning again (interleaved thinking): two items.
        var accumulator = new ChatStreamAccumulator();
        string[] chunks =
        [
            OpenRouterSamples.Chunk("""{"reasoning_details":[{"type":"reasoning.text","text":"first","index":0}]}"""),
            OpenRouterSamples.Chunk("""{"content":"calling a tool","reasoning_details":[]}"""),
            OpenRouterSamples.Chunk("""{"reasoning_details":[{"type":"reasoning.text","text":"second","index":0}]}"""),
        ];

        // Act
        AddAll(accumulator, chunks);

        // Assert
        Assert.Equal("""[{"type":"reasoning.text","text":"first","index":0},{"type":"reasoning.text","text":"second","index":0}]""", accumulator.Build().ReasoningDetails);
    }

    [Fact]
    public void Build_SignedTextFollowedByMoreText_StartsANewItem()
    {
        // Arrange: a signature closes a thinking block; what follows at the same index is the next block.
        var accumulator = new ChatStreamAccumulator();
        string[] chunks =
        [
            OpenRouterSamples.Chunk("""{"reasoning_details":[{"type":"reasoning.text","text":"block one","index":0}]}"""),
            OpenRouterSamples.Chunk("""{"reasoning_details":[{"type":"reasoning.text","text":"","signature":"sig1","index":0}]}"""),
            OpenRouterSamples.Chunk("""{"reasoning_details":[{"type":"reasoning.text","text":"block two","index":0}]}"""),
        ];

        // Act
        AddAll(accumulator, chunks);

        // Assert
        using var details = JsonDocument.Parse(accumulator.Build().ReasoningDetails!);
        var items = details.RootElement.EnumerateArray().ToArray();
        Assert.Equal(2, items.Length);
        Assert.Equal("block one", items[0].GetProperty("text").GetString());
        Assert.Equal("sig1", items[0].GetProperty("signature").GetString());
        Assert.Equal("block two", items[1].GetProperty("text").GetString());
    }

    [Fact]
    public void Build_NonStreamingBodyWithItemsAtOneIndex_KeepsEveryItemAsSent()
    {
        // Arrange: in a whole message every array element is a complete item, whatever its type and index.
        const string details = """[{"type":"reasoning.text","text":"caf\u00e9","index":0},{"type":"reasoning.text","text":"second","index":0},{"type":"reasoning.encrypted","data":"e1","id":"rs_1","index":0},{"type":"reasoning.encrypted","data":"e2","id":null,"index":0}]""";
        var body = $$$"""{"id":"gen-1","model":"openai/gpt-5","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"ok","reasoning_details":{{{details}}}}}]}""";
        var accumulator = new ChatStreamAccumulator();

        // Act
        AddAll(accumulator, [body]);

        // Assert
        Assert.Equal(details, accumulator.Build().ReasoningDetails);
    }

    [Fact]
    public void Build_StreamedLogprobs_JoinsEachChunksEntriesInOrder()
    {
        // Arrange
        var accumulator = new ChatStreamAccumulator();
        string[] chunks =
        [
            """{"choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":{"content":[{"token":"Hello","logprob":-0.1,"bytes":[72,101,108,108,111],"top_logprobs":[]}],"refusal":null}}]}""",
            """{"choices":[{"index":0,"delta":{"content":" world"},"logprobs":{"content":[{"token":" world","logprob":-0.25,"bytes":[32,119,111,114,108,100],"top_logprobs":[]}],"refusal":null}}]}""",
            """{"choices":[{"index":0,"delta":{"content":""},"finish_reason":"stop","logprobs":null}]}""",
        ];

        // Act
        AddAll(accumulator, chunks);

        // Assert
        Assert.Equal(
            """{"content":[{"token":"Hello","logprob":-0.1,"bytes":[72,101,108,108,111],"top_logprobs":[]},{"token":" world","logprob":-0.25,"bytes":[32,119,111,114,108,100],"top_logprobs":[]}],"refusal":[]}""",
            accumulator.Build().Logprobs);
    }

    [Fact]
    public void Build_NoLogprobs_LeavesThemNull()
    {
        // Arrange
        var accumulator = new ChatStreamAccumulator();

        // Act
        AddAll(accumulator, [OpenRouterSamples.Chunk("""{"content":"hi"}""")]);

        // Assert
        Assert.Null(accumulator.Build().Logprobs);
    }

    [Fact]
    public void Build_UnknownDetailTypes_KeepsThemVerbatimInOrder()
    {
        // Arrange: escapes and number formats must survive untouched, so they are compared as text.
        const string serverToolCall = """{"type":"reasoning.server_tool_call","id":"stc_1","index":1,"name":"web_search","arguments":{"query":"caf\u00e9"}}""";
        const string futureType = """{"type":"reasoning.hologram","payload":[1.50,2e3,{"nested":true}],"index":2}""";
        var accumulator = new ChatStreamAccumulator();
        string[] chunks =
        [
            OpenRouterSamples.Chunk("""{"reasoning_details":[{"type":"reasoning.text","text":"a","index":0}]}"""),
            OpenRouterSamples.Chunk($$"""{"reasoning_details":[{{serverToolCall}}]}"""),
            OpenRouterSamples.Chunk($$"""{"reasoning_details":[{{futureType}},{"no_type_at_all":1}]}"""),
            OpenRouterSamples.Chunk("""{"reasoning_details":[{"type":"reasoning.text","text":"b","index":0}]}"""),
        ];

        // Act
        AddAll(accumulator, chunks);
        var details = accumulator.Build().ReasoningDetails;

        // Assert
        Assert.Equal(
            $$"""[{"type":"reasoning.text","text":"a","index":0},{{serverToolCall}},{{futureType}},{"no_type_at_all":1},{"type":"reasoning.text","text":"b","index":0}]""",
            details);
    }

    [Fact]
    public void Build_ToolCallFragmentsInterleavedByIndex_MergesEachCall()
    {
        // Arrange
        var accumulator = new ChatStreamAccumulator();
        string[] chunks =
        [
            OpenRouterSamples.Chunk("""{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_Wx1","type":"function","function":{"name":"get_weather","arguments":""}}]}"""),
            OpenRouterSamples.Chunk("""{"tool_calls":[{"index":1,"id":"call_Yz2","type":"function","function":{"name":"get_time","arguments":"{\"tz\":"}}]}"""),
            OpenRouterSamples.Chunk("""{"tool_calls":[{"index":0,"id":null,"function":{"name":null,"arguments":"{\"city\":"}}]}"""),
            OpenRouterSamples.Chunk("""{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]}"""),
            OpenRouterSamples.Chunk("""{"tool_calls":[{"index":1,"id":"","function":{"arguments":"\"UTC\"}"}}]}""", finishReason: "\"tool_calls\""),
        ];

        // Act
        AddAll(accumulator, chunks);
        var completion = accumulator.Build();

        // Assert
        Assert.Equal(
            [
                new ToolCall("call_Wx1", "function", "get_weather", """{"city":"Paris"}"""),
                new ToolCall("call_Yz2", "function", "get_time", """{"tz":"UTC"}"""),
            ],
            completion.ToolCalls);
        Assert.Equal("tool_calls", completion.FinishReason);
        Assert.Equal("", completion.Content);
    }

    [Fact]
    public void Build_TwoMillionCharacterReasoningInFragments_KeepsItIntact()
    {
        // Arrange: 500 fragments of 4,000 characters each, in both reasoning and reasoning_details.
        const int fragmentLength = 4_000;
        const int fragmentCount = 500;
        var accumulator = new ChatStreamAccumulator();
        var expected = new StringBuilder(fragmentLength * fragmentCount);

        // Act
        for (var i = 0; i < fragmentCount; i++)
        {
            var fragment = new string((char)('a' + (i % 26)), fragmentLength);
            expected.Append(fragment);
            using var chunk = JsonDocument.Parse(OpenRouterSamples.Chunk(
                $$"""{"reasoning":"{{fragment}}","reasoning_details":[{"type":"reasoning.text","text":"{{fragment}}","format":"unknown","index":0}]}"""));
            accumulator.Add(chunk.RootElement);
        }

        var completion = accumulator.Build();

        // Assert
        Assert.Equal(2_000_000, completion.Reasoning!.Length);
        Assert.Equal(expected.ToString(), completion.Reasoning);
        using var details = JsonDocument.Parse(completion.ReasoningDetails!);
        Assert.Equal(expected.ToString(), Assert.Single(details.RootElement.EnumerateArray()).GetProperty("text").GetString());
    }

    [Fact]
    public void Build_NonStreamingBody_ReadsMessageLikeADelta()
    {
        // Arrange
        var accumulator = new ChatStreamAccumulator();

        // Act
        AddAll(accumulator, [OpenRouterSamples.NonStreamingCompletion]);
        var completion = accumulator.Build();

        // Assert
        Assert.Equal("Paris.", completion.Content);
        Assert.Equal("The capital of France is Paris.", completion.Reasoning);
        Assert.Equal("stop", completion.FinishReason);
        Assert.Equal(new ChatUsage(17, 2177, 2194, 960, 0, 0.00435825m), completion.Usage);
        Assert.Equal("BaseTen", completion.Provider);
        Assert.Equal("gen-1761603589-2zW4FJLny121WIZ4fOS4", completion.GenerationId);
    }

    [Fact]
    public void Add_ChoiceOtherThanTheFirst_IsIgnored()
    {
        // Arrange
        var accumulator = new ChatStreamAccumulator();
        const string chunk = """{"choices":[{"index":1,"delta":{"content":"other"}},{"index":0,"delta":{"content":"mine"}}]}""";

        // Act
        AddAll(accumulator, [chunk]);

        // Assert
        Assert.Equal("mine", accumulator.Build().Content);
    }

    private static void AddAll(ChatStreamAccumulator accumulator, IEnumerable<string> chunks)
    {
        foreach (var chunk in chunks)
        {
            using var document = JsonDocument.Parse(chunk);
            accumulator.Add(document.RootElement);
        }
    }
}
