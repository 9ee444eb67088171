using System.Text.Json;
using Microsoft.Extensions.Options;
using PromptQueue.Contracts;
using PromptQueue.Core.OpenRouter;
using PromptQueue.Core.Processing;

namespace PromptQueue.Core.Tests.Processing;

public sealed class ConversationHistoryTests
{
    /// <summary>
    /// reasoning_details as a provider might send them, in a form any re-serialization would change: spaces and a
    /// newline between tokens, an escaped and an unescaped non-ASCII letter, an escaped slash, a surrogate pair as
    /// escapes, and numbers written as 1.0, 1e2 and -0.
    /// </summary>
    private const string OddDetails =
        "[ {\"type\" : \"reasoning.text\",\n \"text\":\"caf\\u00e9 = café \\/ \\ud83d\\ude00\", \"index\":0 ,\"format\":null, \"weight\":1.0},"
        + "{\"type\":\"reasoning.encrypted\",\"data\":\"gAAA\\u002b==\",\"score\":1e2,\"offset\":-0}]";

    private static readonly ChatRequestFactory Requests = new(Options.Create(new OpenRouterOptions()));

    [Fact]
    public void AssistantTurn_OddReasoningDetails_GoOnTheWireByteForByte()
    {
        // Arrange
        var turn = ConversationHistory.AssistantTurn("4", OddDetails, null);
        var request = new ChatRequest { Model = "m/x", Messages = [ChatMessage.FromText("user", "2+2?"), turn, ChatMessage.FromText("user", "and 3+3?")] };

        // Act
        var wire = JsonSerializer.Serialize(request, StreamingRequestJson.Options);

        // Assert
        Assert.Contains("\"reasoning_details\":" + OddDetails, wire, StringComparison.Ordinal);
        Assert.Contains("{\"role\":\"assistant\",\"content\":\"4\",\"reasoning_details\":", wire, StringComparison.Ordinal);
    }

    [Fact]
    public void SerializeThenDeserialize_ThroughThreeGenerations_KeepsReasoningDetailsByteForByte()
    {
        // Arrange: each generation stores what it sent, and the next reads it back and adds its own turns.
        IReadOnlyList<ChatMessage> conversation = [ChatMessage.FromText("user", "first"), ConversationHistory.AssistantTurn("one", OddDetails, null)];

        // Act
        for (var generation = 0; generation < 3; generation++)
        {
            var stored = ConversationHistory.Serialize([.. conversation, ChatMessage.FromText("user", $"next {generation}")]);
            conversation = [.. ConversationHistory.Deserialize(stored), ConversationHistory.AssistantTurn($"answer {generation}", "[]", null)];
        }

        var wire = JsonSerializer.Serialize(new ChatRequest { Messages = conversation }, StreamingRequestJson.Options);

        // Assert
        Assert.Equal(8, conversation.Count);
        Assert.Contains("\"reasoning_details\":" + OddDetails, wire, StringComparison.Ordinal);
        Assert.Equal(OddDetails, conversation[1].ReasoningDetails!.Value.GetRawText());
    }

    [Fact]
    public void AssistantTurn_ToolCallsOnly_SendsOpenAiShapeAndNoContent()
    {
        // Arrange: tool calls as the job row stores them.
        const string stored = """[{"id":"call_1","type":"function","name":"add","arguments":"{\"a\": 1,\"b\":2}"}]""";

        // Act
        var turn = ConversationHistory.AssistantTurn("", null, stored);
        var wire = JsonSerializer.Serialize(turn, OpenRouterJson.Options);

        // Assert
        Assert.Null(turn.Content);
        Assert.Null(turn.ReasoningDetails);
        Assert.Equal(
            """{"role":"assistant","tool_calls":[{"id":"call_1","type":"function","function":{"name":"add","arguments":"{\u0022a\u0022: 1,\u0022b\u0022:2}"}}]}""",
            wire);
        Assert.Equal("{\"a\": 1,\"b\":2}", turn.ToolCalls!.Value[0].GetProperty("function").GetProperty("arguments").GetString());
    }

    [Fact]
    public void AssistantTurn_NoAnswerNoToolCalls_SendsEmptyContent()
    {
        // Act
        var turn = ConversationHistory.AssistantTurn(null, null, null);

        // Assert
        Assert.Equal("", turn.Content!.Value.GetString());
    }

    [Fact]
    public void Create_WithHistory_SendsHistoryThenTheChildsOwnMessages()
    {
        // Arrange
        var job = PromptJobReader.Read("""{"system":"Be terse.","prompt":"and 3+3?","model":"child/model"}""", new JobLimits()).Job!;
        IReadOnlyList<ChatMessage> history = [ChatMessage.FromText("user", "2+2?"), ConversationHistory.AssistantTurn("4", OddDetails, null)];

        // Act
        var request = Requests.Create(job, history);

        // Assert
        Assert.Equal("child/model", request.Model);
        Assert.Equal(["user", "assistant", "system", "user"], request.Messages.Select(m => m.Role));
        Assert.Equal("and 3+3?", request.Messages[^1].Content!.Value.GetString());
        Assert.Same(history[1], request.Messages[1]);
    }
}
