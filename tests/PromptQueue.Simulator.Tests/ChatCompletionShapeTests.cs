using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace PromptQueue.Simulator.Tests;

public sealed class ChatCompletionShapeTests(SharedSimulator shared) : IClassFixture<SharedSimulator>
{
    private const string KeepAlive = ": OPENROUTER PROCESSING\n\n";

    [Fact]
    public async Task Stream_PlainQuestion_StartsWithTwoKeepAliveComments()
    {
        // Arrange
        using var client = shared.CreateClient();

        // Act
        var reply = await ChatCalls.StreamAsync(client, "What is the capital of France?");

        // Assert
        Assert.StartsWith(KeepAlive + KeepAlive + "data: ", reply.RawText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stream_PlainQuestion_SendsRoleReasoningContentFinishUsageThenDone()
    {
        // Arrange
        using var client = shared.CreateClient();

        // Act
        var reply = await ChatCalls.StreamAsync(client, "What is the capital of France?");

        // Assert
        var kinds = reply.Chunks.Select(ClassifyChunk).ToList();
        var expectedOrder = new[] { "role", "reasoning", "content", "finish", "usage" };
        Assert.Equal(expectedOrder, kinds.Distinct());
        Assert.Equal(expectedOrder, kinds.Where((kind, i) => i == 0 || kinds[i - 1] != kind));
        Assert.Equal(1, kinds.Count(k => k == "usage"));
        Assert.True(kinds.Count(k => k == "reasoning") > 1, "the trace should arrive in several fragments");
        Assert.True(reply.EndsWithDone);
    }

    [Fact]
    public async Task Stream_EveryChunk_HasOpenRouterEnvelope()
    {
        // Arrange
        using var client = shared.CreateClient();
        using var response = await ChatCalls.PostAsync(client, ChatCalls.Body("Name a prime number.", stream: true));
        var generationId = response.Headers.GetValues("X-Generation-Id").Single();

        // Act
        var reply = await StreamedReply.ReadAsync(response);

        // Assert
        Assert.All(reply.Chunks, chunk =>
        {
            Assert.Equal(generationId, (string?)chunk["id"]);
            Assert.Equal("OpenInference", (string?)chunk["provider"]);
            Assert.Equal(ChatCalls.FreeModel, (string?)chunk["model"]);
            Assert.Equal("chat.completion.chunk", (string?)chunk["object"]);
            Assert.True((long)chunk["created"]! > 0);
            var choice = StreamedReply.Choice(chunk);
            Assert.Equal(0, (int)choice["index"]!);
            Assert.True(choice.ContainsKey("finish_reason") && choice.ContainsKey("native_finish_reason"));
            Assert.True(choice.ContainsKey("logprobs") && choice["logprobs"] is null);
        });
    }

    [Fact]
    public async Task Stream_ReasoningChunks_CarryTheSameFragmentAsTextAndDetail()
    {
        // Arrange
        using var client = shared.CreateClient();

        // Act
        var reply = await ChatCalls.StreamAsync(client, "Why is the sky blue?");

        // Assert
        var reasoningDeltas = reply.Chunks.Select(StreamedReply.Delta).Where(d => d["reasoning"] is not null).ToList();
        Assert.NotEmpty(reasoningDeltas);
        Assert.All(reasoningDeltas, delta =>
        {
            var detail = Assert.Single(delta["reasoning_details"]!.AsArray())!;
            Assert.Equal("reasoning.text", (string?)detail["type"]);
            Assert.Equal((string?)delta["reasoning"], (string?)detail["text"]);
            Assert.Equal("unknown", (string?)detail["format"]);
            Assert.Equal(0, (int)detail["index"]!);
        });
        Assert.Contains("Why is the sky blue?", reply.Reasoning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stream_ContentChunks_HaveNullReasoningAndEmptyDetails()
    {
        // Arrange
        using var client = shared.CreateClient();

        // Act
        var reply = await ChatCalls.StreamAsync(client, "Say hello.");

        // Assert
        var contentDeltas = reply.Chunks.Select(StreamedReply.Delta).Where(d => ((string?)d["content"])?.Length > 0).ToList();
        Assert.NotEmpty(contentDeltas);
        Assert.All(contentDeltas, delta =>
        {
            Assert.True(delta.ContainsKey("reasoning") && delta["reasoning"] is null);
            Assert.Empty(delta["reasoning_details"]!.AsArray());
        });
        Assert.Contains("Say hello.", reply.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stream_FinishAndUsage_ArriveInSeparateChunks()
    {
        // Arrange
        using var client = shared.CreateClient();

        // Act
        var reply = await ChatCalls.StreamAsync(client, "Count to three.");

        // Assert
        var finish = reply.Chunks[^2];
        var usage = reply.Chunks[^1];
        Assert.Equal("stop", (string?)StreamedReply.Choice(finish)["finish_reason"]);
        Assert.Equal("stop", (string?)StreamedReply.Choice(finish)["native_finish_reason"]);
        Assert.False(finish.ContainsKey("usage"));
        Assert.Null(StreamedReply.Choice(usage)["finish_reason"]);
        Assert.Equal("""{"role":"assistant","content":""}""", StreamedReply.Delta(usage).ToJsonString());
        var tokens = usage["usage"]!;
        Assert.Equal((int)tokens["prompt_tokens"]! + (int)tokens["completion_tokens"]!, (int)tokens["total_tokens"]!);
        Assert.Equal(0, (int)tokens["prompt_tokens_details"]!["cached_tokens"]!);
        Assert.Equal(reply.Reasoning.Length / 4, (int)tokens["completion_tokens_details"]!["reasoning_tokens"]!);
        Assert.Equal(0, (int)tokens["cost"]!);
        Assert.False((bool)tokens["is_byok"]!);
    }

    [Fact]
    public async Task Stream_SameRequestTwice_ReturnsIdenticalReasoningAndContent()
    {
        // Arrange
        using var client = shared.CreateClient();

        // Act
        var first = await ChatCalls.StreamAsync(client, "Explain recursion briefly.");
        var second = await ChatCalls.StreamAsync(client, "Explain recursion briefly.");
        var other = await ChatCalls.StreamAsync(client, "Explain iteration briefly.");

        // Assert
        Assert.Equal(first.Reasoning, second.Reasoning);
        Assert.Equal(first.Content, second.Content);
        Assert.NotEqual(first.Content, other.Content);
    }

    [Fact]
    public async Task Complete_NonStreaming_ReturnsChatCompletionWithMessageAndUsage()
    {
        // Arrange
        using var client = shared.CreateClient();

        // Act
        var completion = await ChatCalls.CompleteAsync(client, "What is 2 + 2?");

        // Assert
        Assert.Equal("chat.completion", (string?)completion["object"]);
        Assert.Equal("OpenInference", (string?)completion["provider"]);
        Assert.Matches("^gen-[0-9]+-[A-Za-z0-9]{20}$", (string?)completion["id"]);
        var choice = completion["choices"]![0]!;
        Assert.Equal("stop", (string?)choice["finish_reason"]);
        Assert.Equal("stop", (string?)choice["native_finish_reason"]);
        var message = choice["message"]!.AsObject();
        Assert.Equal("assistant", (string?)message["role"]);
        Assert.Contains("What is 2 + 2?", (string?)message["content"], StringComparison.Ordinal);
        Assert.True(message.ContainsKey("refusal") && message["refusal"] is null);
        Assert.Equal((string?)message["reasoning"], (string?)message["reasoning_details"]![0]!["text"]);
        Assert.True((int)completion["usage"]!["completion_tokens"]! > 0);
    }

    [Fact]
    public async Task Complete_SameQuestionStreamedOrNot_GivesTheSameText()
    {
        // Arrange
        using var client = shared.CreateClient();

        // Act
        var streamed = await ChatCalls.StreamAsync(client, "Define entropy.");
        var completion = await ChatCalls.CompleteAsync(client, "Define entropy.");

        // Assert
        var message = completion["choices"]![0]!["message"]!;
        Assert.Equal(streamed.Content, (string?)message["content"]);
        Assert.Equal(streamed.Reasoning, (string?)message["reasoning"]);
    }

    [Theory]
    [InlineData("""{"model":"m","messages":[]}""")]
    [InlineData("""{"model":"m"}""")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}]}""")]
    [InlineData("""{"model":"","messages":[{"role":"user","content":"hi"}]}""")]
    [InlineData("not json")]
    public async Task Complete_InvalidRequest_Returns400ErrorBody(string body)
    {
        // Arrange
        using var client = shared.CreateClient();

        // Act
        using var response = await ChatCalls.PostAsync(client, body);

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = ChatCalls.ParseObject(await response.Content.ReadAsStringAsync())["error"]!;
        Assert.Equal(400, (int)error["code"]!);
        Assert.False(string.IsNullOrWhiteSpace((string?)error["message"]));
    }

    [Fact]
    public async Task Complete_AnyReply_CarriesGenerationIdHeader()
    {
        // Arrange
        using var client = shared.CreateClient();

        // Act
        using var ok = await ChatCalls.PostAsync(client, ChatCalls.Body("hi", stream: false));
        using var bad = await ChatCalls.PostAsync(client, "{}");

        // Assert
        var okId = ok.Headers.GetValues("X-Generation-Id").Single();
        Assert.Matches(new Regex("^gen-[0-9]{10}-[A-Za-z0-9]{20}$"), okId);
        Assert.Matches(new Regex("^gen-[0-9]{10}-[A-Za-z0-9]{20}$"), bad.Headers.GetValues("X-Generation-Id").Single());
        Assert.Equal(okId, (string?)ChatCalls.ParseObject(await ok.Content.ReadAsStringAsync())["id"]);
    }

    [Fact]
    public async Task Complete_ModelsFallbackList_AnswersAsFirstModel()
    {
        // Arrange
        using var client = shared.CreateClient();
        var body = new JsonObject
        {
            ["models"] = new JsonArray("vendor/first:free", "vendor/second"),
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hi" }),
        }.ToJsonString();

        // Act
        using var response = await ChatCalls.PostAsync(client, body);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("vendor/first:free", (string?)ChatCalls.ParseObject(await response.Content.ReadAsStringAsync())["model"]);
    }

    private static string ClassifyChunk(JsonObject chunk)
    {
        var choice = StreamedReply.Choice(chunk);
        var delta = StreamedReply.Delta(chunk);
        return chunk.ContainsKey("usage") ? "usage"
            : choice["finish_reason"] is not null ? "finish"
            : delta["reasoning"] is not null ? "reasoning"
            : ((string?)delta["content"])?.Length > 0 ? "content"
            : delta.ContainsKey("reasoning") ? "other"
            : "role";
    }
}
