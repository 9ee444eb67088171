using System.Text.Json;
using PromptQueue.Core.OpenRouter;

namespace PromptQueue.Core.Tests.OpenRouter;

public sealed class ChatRequestJsonTests
{
    [Fact]
    public void Serialize_RequestWithOpenRouterOptions_RoundTripsWithoutWireOnlySwitches()
    {
        // Arrange: requests may be stored with jobs, so they must read back exactly as written.
        using var responseFormat = JsonDocument.Parse("""{"type":"json_schema","json_schema":{"name":"answer","strict":true,"schema":{"type":"object"}}}""");
        var request = new ChatRequest
        {
            Model = "openai/gpt-oss-120b:free",
            Messages = [ChatMessage.FromText("user", "Hi"), new ChatMessage { Role = "tool", ToolCallId = "call_1", Name = "lookup", Content = JsonSerializer.SerializeToElement("42") }],
            Reasoning = new ReasoningOptions { MaxTokens = 2048, Exclude = true },
            Temperature = 0.2,
            Seed = 7,
            ResponseFormat = responseFormat.RootElement,
        };

        // Act
        var json = JsonSerializer.Serialize(request, OpenRouterJson.Options);
        var readBack = JsonSerializer.Deserialize<ChatRequest>(json, OpenRouterJson.Options);

        // Assert
        Assert.NotNull(readBack);
        Assert.Equal(json, JsonSerializer.Serialize(readBack, OpenRouterJson.Options));
        Assert.Contains("\"reasoning\":{\"max_tokens\":2048,\"exclude\":true}", json, StringComparison.Ordinal);
        Assert.Contains("\"tool_call_id\":\"call_1\"", json, StringComparison.Ordinal);
        Assert.Contains("\"response_format\":{\"type\":\"json_schema\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"stream\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"usage\"", json, StringComparison.Ordinal);
    }
}
