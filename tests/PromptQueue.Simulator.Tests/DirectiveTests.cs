using System.Net;
using System.Text.Json.Nodes;

namespace PromptQueue.Simulator.Tests;

public sealed class DirectiveTests(SharedSimulator shared) : IClassFixture<SharedSimulator>
{
    [Fact]
    public async Task Stream_ReasoningCharsTwoMillion_SendsExactlyThatManyInBoundedChunks()
    {
        // Arrange
        using var client = shared.CreateClient();
        const int Length = 2_000_000;

        // Act
        var reply = await ChatCalls.StreamAsync(client, $"Think hard. [[sim:reasoning-chars={Length}]]");

        // Assert
        Assert.Equal(Length, reply.Reasoning.Length);
        Assert.Equal(reply.Reasoning, reply.ReasoningDetailsText);
        Assert.All(reply.Chunks, c => Assert.True((((string?)StreamedReply.Delta(c)["reasoning"])?.Length ?? 0) <= 4000));
        Assert.Equal(Length / 4, (int)reply.Chunks[^1]["usage"]!["completion_tokens_details"]!["reasoning_tokens"]!);
        Assert.True(reply.EndsWithDone);
    }

    [Fact]
    public async Task Complete_ReasoningCharsDirective_ReturnsTraceOfThatLength()
    {
        // Arrange
        using var client = shared.CreateClient();

        // Act
        var completion = await ChatCalls.CompleteAsync(client, "Think. [[sim:reasoning-chars=12345]]");

        // Assert
        var message = completion["choices"]![0]!["message"]!;
        Assert.Equal(12345, ((string?)message["reasoning"])!.Length);
        Assert.Equal(12345, ((string?)message["reasoning_details"]![0]!["text"])!.Length);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(777)]
    [InlineData(10_001)]
    public async Task Stream_AnswerCharsDirective_SendsAnswerOfExactlyThatLength(int length)
    {
        // Arrange
        using var client = shared.CreateClient();

        // Act
        var reply = await ChatCalls.StreamAsync(client, $"Write. [[sim:answer-chars={length}]]");

        // Assert
        Assert.Equal(length, reply.Content.Length);
    }

    [Fact]
    public async Task Stream_Directives_AreStrippedFromEchoedText()
    {
        // Arrange
        using var client = shared.CreateClient();

        // Act
        var reply = await ChatCalls.StreamAsync(client, "Hello there [[sim:latency-ms=0]] [[sim:detail=summary]]");

        // Assert
        Assert.Contains("Hello there", reply.Content, StringComparison.Ordinal);
        Assert.DoesNotContain("[[sim:", reply.Content, StringComparison.Ordinal);
        Assert.DoesNotContain("[[sim:", reply.Reasoning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Complete_UnknownDirective_Returns400NamingIt()
    {
        // Arrange
        using var client = shared.CreateClient();

        // Act
        using var response = await ChatCalls.PostAsync(client, ChatCalls.Body("x [[sim:explode]]", stream: false));

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("sim:explode", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("unknown", """{"type":"reasoning.future_kind","index":1,"format":"unknown","payload":{"note":"kept verbatim"}}""")]
    [InlineData("summary", """{"type":"reasoning.summary","summary":"Worked out what the question asks and settled on a short, direct answer.","index":1,"format":"openai-responses-v1"}""")]
    public async Task Stream_DetailDirective_SendsTheExtraItemWholeInOneChunk(string kind, string expectedItem)
    {
        // Arrange
        using var client = shared.CreateClient();

        // Act
        var reply = await ChatCalls.StreamAsync(client, $"Q [[sim:detail={kind}]]");

        // Assert
        var extras = ExtraDetails(reply);
        var item = Assert.Single(extras);
        Assert.Equal(expectedItem, item.ToJsonString());
        Assert.Equal(reply.Reasoning, reply.ReasoningDetailsText);
    }

    [Fact]
    public async Task Stream_EncryptedDetailDirective_SendsOpaqueBase64Blob()
    {
        // Arrange
        using var client = shared.CreateClient();

        // Act
        var reply = await ChatCalls.StreamAsync(client, "Q [[sim:detail=encrypted]]");

        // Assert
        var item = Assert.Single(ExtraDetails(reply));
        Assert.Equal("reasoning.encrypted", (string?)item["type"]);
        Assert.Equal("openai-responses-v1", (string?)item["format"]);
        Assert.Equal(1, (int)item["index"]!);
        Assert.NotEmpty(Convert.FromBase64String((string)item["data"]!));
    }

    [Fact]
    public async Task Complete_DetailDirective_ListsTextThenExtraDetail()
    {
        // Arrange
        using var client = shared.CreateClient();

        // Act
        var completion = await ChatCalls.CompleteAsync(client, "Q [[sim:detail=unknown]]");

        // Assert
        var details = completion["choices"]![0]!["message"]!["reasoning_details"]!.AsArray();
        Assert.Equal(["reasoning.text", "reasoning.future_kind"], details.Select(d => (string?)d!["type"]));
    }

    [Fact]
    public async Task Stream_ToolCallDirective_SplitsCallByIndexAndFinishesWithToolCalls()
    {
        // Arrange
        using var client = shared.CreateClient();
        var body = ChatCalls.Body("Weather in Paris? [[sim:tool-call]]", stream: true, customise: b => b["tools"] = new JsonArray(
            new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = "get_weather", ["parameters"] = new JsonObject() } }));
        using var response = await ChatCalls.PostAsync(client, body);

        // Act
        var reply = await StreamedReply.ReadAsync(response);

        // Assert
        var fragments = reply.Chunks.Select(StreamedReply.Delta)
            .SelectMany(d => d["tool_calls"]?.AsArray() ?? []).Select(f => f!.AsObject()).ToList();
        Assert.True(fragments.Count >= 3, "the call should arrive in several fragments");
        Assert.All(fragments, f => Assert.Equal(0, (int)f["index"]!));
        Assert.StartsWith("call_", (string?)fragments[0]["id"], StringComparison.Ordinal);
        Assert.Equal("function", (string?)fragments[0]["type"]);
        Assert.Equal("get_weather", (string?)fragments[0]["function"]!["name"]);
        Assert.All(fragments.Skip(1), f => Assert.False(f.ContainsKey("id")));
        var arguments = string.Concat(fragments.Select(f => (string?)f["function"]!["arguments"]));
        Assert.Equal("Weather in Paris?", (string?)JsonNode.Parse(arguments)!["query"]);
        Assert.Equal(string.Empty, reply.Content);
        Assert.Equal("tool_calls", (string?)StreamedReply.Choice(reply.Chunks[^2])["finish_reason"]);
    }

    [Fact]
    public async Task Complete_ToolCallDirective_ReturnsToolCallsWithoutContent()
    {
        // Arrange
        using var client = shared.CreateClient();

        // Act
        var completion = await ChatCalls.CompleteAsync(client, "Look it up [[sim:tool-call]]");

        // Assert
        var choice = completion["choices"]![0]!;
        Assert.Equal("tool_calls", (string?)choice["finish_reason"]);
        Assert.Null(choice["message"]!["content"]);
        var call = Assert.Single(choice["message"]!["tool_calls"]!.AsArray())!;
        Assert.Equal("lookup", (string?)call["function"]!["name"]);
        Assert.Equal("Look it up", (string?)JsonNode.Parse((string)call["function"]!["arguments"]!)!["query"]);
    }

    [Fact]
    public async Task Stream_MidStreamErrorDirective_EndsWithErrorChunkAndNoDone()
    {
        // Arrange
        using var client = shared.CreateClient();

        // Act
        var reply = await ChatCalls.StreamAsync(client, "Tell me a story [[sim:error=midstream]]");

        // Assert
        Assert.False(reply.EndsWithDone);
        Assert.NotEmpty(reply.Content);
        var last = reply.Chunks[^1];
        Assert.Equal(
            """{"code":502,"message":"Provider disconnected mid-stream","metadata":{"error_type":"provider_unavailable"}}""",
            last["error"]!.ToJsonString());
        Assert.Equal("error", (string?)StreamedReply.Choice(last)["finish_reason"]);
        Assert.Single(reply.Chunks, c => c.ContainsKey("error"));
        Assert.DoesNotContain(reply.Chunks, c => c.ContainsKey("usage"));
    }

    [Fact]
    public async Task Stream_TokenLimitDirective_EndsWithTheRecordedInBand400AndItsUsage()
    {
        // Arrange
        using var client = shared.CreateClient();

        // Act
        var reply = await ChatCalls.StreamAsync(client, "Tell me a long story [[sim:error=token-limit]]");

        // Assert: as recorded, the error's choice has finish_reason null and the usage rides in the same chunk.
        Assert.False(reply.EndsWithDone);
        Assert.NotEmpty(reply.Content);
        var last = reply.Chunks[^1];
        Assert.Equal("""{"code":400,"message":"Token limit reached"}""", last["error"]!.ToJsonString());
        Assert.Null((string?)StreamedReply.Choice(last)["finish_reason"]);
        Assert.True(last.ContainsKey("usage"));
    }

    [Fact]
    public async Task Complete_MidStreamErrorDirective_ReportsErrorBesidePartialContent()
    {
        // Arrange
        using var client = shared.CreateClient();
        var full = await ChatCalls.CompleteAsync(client, "Tell me a story");

        // Act
        var broken = await ChatCalls.CompleteAsync(client, "Tell me a story [[sim:error=midstream]]");

        // Assert
        var choice = broken["choices"]![0]!;
        Assert.Equal("error", (string?)choice["finish_reason"]);
        Assert.Equal(502, (int)choice["error"]!["code"]!);
        var partial = (string)choice["message"]!["content"]!;
        var fullContent = (string)full["choices"]![0]!["message"]!["content"]!;
        Assert.NotEmpty(partial);
        Assert.True(partial.Length < fullContent.Length);
        Assert.StartsWith(partial, fullContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stream_FinishErrorDirective_FinishesWithErrorButNoErrorObject()
    {
        // Arrange
        using var client = shared.CreateClient();

        // Act
        var reply = await ChatCalls.StreamAsync(client, "Q [[sim:error=finish-error]]");

        // Assert
        var finish = Assert.Single(reply.Chunks, c => StreamedReply.Choice(c)["finish_reason"] is not null);
        Assert.Equal("error", (string?)StreamedReply.Choice(finish)["finish_reason"]);
        Assert.DoesNotContain(reply.Chunks, c => c.ContainsKey("error"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Post_Bare200Directive_Returns200WithOnlyAnErrorBody(bool stream)
    {
        // Arrange
        using var client = shared.CreateClient();

        // Act
        using var response = await ChatCalls.PostAsync(client, ChatCalls.Body("Q [[sim:error=bare-200]]", stream));

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("""{"error":{"code":502,"message":"Upstream error"}}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Stream_EmptyDirective_CompletesWithNoContentAndNoReasoning()
    {
        // Arrange
        using var client = shared.CreateClient();

        // Act
        var reply = await ChatCalls.StreamAsync(client, "Q [[sim:empty]]");

        // Assert
        Assert.Equal(string.Empty, reply.Content);
        Assert.Equal(string.Empty, reply.Reasoning);
        Assert.Equal("stop", (string?)StreamedReply.Choice(reply.Chunks[^2])["finish_reason"]);
        Assert.Equal(0, (int)reply.Chunks[^1]["usage"]!["completion_tokens"]!);
        Assert.True(reply.EndsWithDone);
    }

    [Fact]
    public async Task Stream_NoDoneDirective_StopsAfterFinishChunk()
    {
        // Arrange
        using var client = shared.CreateClient();

        // Act
        var reply = await ChatCalls.StreamAsync(client, "Q [[sim:no-done]]");

        // Assert
        Assert.False(reply.EndsWithDone);
        Assert.Equal("stop", (string?)StreamedReply.Choice(reply.Chunks[^1])["finish_reason"]);
        Assert.DoesNotContain(reply.Chunks, c => c.ContainsKey("usage"));
    }

    [Fact]
    public async Task Stream_MalformedDirective_SendsOneUnparsableDataLineThenCarriesOn()
    {
        // Arrange
        using var client = shared.CreateClient();
        using var response = await ChatCalls.PostAsync(client, ChatCalls.Body("Q [[sim:malformed]]", stream: true));

        // Act
        var reply = await StreamedReply.ReadAsync(response);

        // Assert
        var unparsable = reply.Data.Where(d => d != StreamedReply.Done && !IsJson(d)).ToList();
        Assert.Single(unparsable);
        Assert.True(reply.EndsWithDone);
    }

    [Fact]
    public async Task Stream_ResetDirective_AbortsConnectionAfterSomeContent()
    {
        // Arrange
        using var client = shared.CreateClient();
        using var response = await ChatCalls.PostAsync(client, ChatCalls.Body("Q [[sim:reset]]", stream: true));
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var dataLines = new List<string>();

        // Act
        var failure = await Record.ExceptionAsync(async () =>
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    dataLines.Add(line);
                }
            }
        });

        // Assert
        Assert.IsAssignableFrom<IOException>(failure);
        Assert.Contains(dataLines, l => l.Contains("\"content\":\"Regarding", StringComparison.Ordinal));
        Assert.DoesNotContain("data: [DONE]", dataLines);
    }

    [Fact]
    public async Task Stream_AbortDirective_FailsTheTransferWithoutDone()
    {
        // Arrange
        using var client = shared.CreateClient();

        // Act
        var failure = await Record.ExceptionAsync(async () =>
        {
            using var response = await ChatCalls.PostAsync(client, ChatCalls.Body("Q [[sim:abort]]", stream: true));
            await response.Content.ReadAsStringAsync();
        });

        // Assert
        Assert.True(failure is HttpRequestException or IOException, $"expected a transport failure, got {failure}");
    }

    [Fact]
    public async Task Complete_ResetDirective_ClosesConnectionWithoutReply()
    {
        // Arrange
        using var client = shared.CreateClient();

        // Act
        var failure = await Record.ExceptionAsync(() => ChatCalls.PostAsync(client, ChatCalls.Body("Q [[sim:reset]]", stream: false)));

        // Assert
        Assert.IsType<HttpRequestException>(failure);
    }

    private static List<JsonObject> ExtraDetails(StreamedReply reply) => reply.Chunks
        .SelectMany(c => StreamedReply.Delta(c)["reasoning_details"]?.AsArray() ?? [])
        .Select(d => d!.AsObject())
        .Where(d => (string?)d["type"] != "reasoning.text")
        .ToList();

    private static bool IsJson(string text)
    {
        try
        {
            JsonNode.Parse(text);
            return true;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }
}
