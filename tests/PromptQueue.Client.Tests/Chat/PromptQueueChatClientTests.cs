using System.Net;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using PromptQueue.Contracts;

namespace PromptQueue.Client.Tests.Chat;

public sealed class PromptQueueChatClientTests : IDisposable
{
    private static readonly Uri Server = new("http://pq.test:7071");

    /// <summary>reasoning_details as a model sends them: spacing and escapes that a re-serialization would change.</summary>
    private const string ReasoningDetails = """[ {"type":"reasoning.encrypted", "data":"c2lnbmVk\u002Bb3BhcXVl==", "id":"rs_1", "format":"anthropic-claude-v1", "index":0}, {"type":"reasoning.text","text":"Gr\u00FC\u00DFe"} ]""";

    private readonly RecordingHandler _handler = new();

    [Fact]
    public async Task GetResponseAsync_MessagesAndOptions_SubmitsThemAsOneJob()
    {
        // Arrange
        AnswerCompleted("chat-1", """{"answer":"It is sunny."}""");
        var client = CreateChatClient();
        var weather = AIFunctionFactory.Create((string city) => "sunny", "get_weather", "Reads the weather of a city.");
        List<ChatMessage> messages =
        [
            new(ChatRole.System, "Be brief."),
            new(ChatRole.User, "Weather in Paris?") { AuthorName = "ana" },
            new(ChatRole.Assistant, [new TextReasoningContent("I should call the tool.") { ProtectedData = ReasoningDetails }, new FunctionCallContent("call_1", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris" })]),
            new(ChatRole.Tool, [new FunctionResultContent("call_1", "sunny")]),
        ];
        var options = new ChatOptions
        {
            ModelId = "openrouter/some-model:free",
            Instructions = "Answer in English.",
            Temperature = 0.25f,
            TopP = 0.5f,
            TopK = 40,
            MaxOutputTokens = 300,
            Seed = 42,
            StopSequences = ["END"],
            Tools = [weather],
            ToolMode = ChatToolMode.RequireSpecific("get_weather"),
            AllowMultipleToolCalls = false,
            ResponseFormat = ChatResponseFormat.ForJsonSchema(JsonDocument.Parse("""{"type":"object","properties":{"sky":{"type":"string"}}}""").RootElement, "weather", "The sky."),
            Reasoning = new ReasoningOptions { Effort = ReasoningEffort.High },
            AdditionalProperties = new() { ["min_p"] = 0.05, ["metadata"] = new Dictionary<string, string> { ["ticket"] = "T-7" } },
        };

        // Act
        await client.GetResponseAsync(messages, options);

        // Assert
        var submitted = _handler.Requests[0];
        Assert.Equal("/api/jobs", submitted.Uri.AbsolutePath);
        var job = JsonDocument.Parse(submitted.Body).RootElement;
        Assert.Equal("openrouter/some-model:free", job.GetProperty("model").GetString());
        Assert.Equal(0.25, job.GetProperty("temperature").GetDouble());
        Assert.Equal(0.5, job.GetProperty("top_p").GetDouble());
        Assert.Equal(40, job.GetProperty("top_k").GetInt32());
        Assert.Equal(300, job.GetProperty("max_tokens").GetInt32());
        Assert.Equal(42, job.GetProperty("seed").GetInt64());
        Assert.Equal("""["END"]""", job.GetProperty("stop").GetRawText());
        Assert.Equal(0.05, job.GetProperty("min_p").GetDouble());
        Assert.Equal("T-7", job.GetProperty("metadata").GetProperty("ticket").GetString());
        Assert.Equal("high", job.GetProperty("reasoning").GetProperty("effort").GetString());
        Assert.False(job.GetProperty("parallel_tool_calls").GetBoolean());
        Assert.Equal("""{"type":"function","function":{"name":"get_weather"}}""", job.GetProperty("tool_choice").GetRawText());
        var tool = Assert.Single(job.GetProperty("tools").EnumerateArray());
        Assert.Equal("function", tool.GetProperty("type").GetString());
        Assert.Equal("get_weather", tool.GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("Reads the weather of a city.", tool.GetProperty("function").GetProperty("description").GetString());
        Assert.Equal("string", tool.GetProperty("function").GetProperty("parameters").GetProperty("properties").GetProperty("city").GetProperty("type").GetString());
        var format = job.GetProperty("response_format");
        Assert.Equal("json_schema", format.GetProperty("type").GetString());
        Assert.Equal("weather", format.GetProperty("json_schema").GetProperty("name").GetString());
        Assert.Equal("The sky.", format.GetProperty("json_schema").GetProperty("description").GetString());
        Assert.Equal("object", format.GetProperty("json_schema").GetProperty("schema").GetProperty("type").GetString());

        var turns = job.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["system", "system", "user", "assistant", "tool"], turns.Select(t => t.GetProperty("role").GetString()));
        Assert.Equal("Answer in English.", turns[0].GetProperty("content").GetString());
        Assert.Equal("Be brief.", turns[1].GetProperty("content").GetString());
        Assert.Equal("ana", turns[2].GetProperty("name").GetString());
        var call = Assert.Single(turns[3].GetProperty("tool_calls").EnumerateArray());
        Assert.Equal("call_1", call.GetProperty("id").GetString());
        Assert.Equal("get_weather", call.GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("""{"city":"Paris"}""", call.GetProperty("function").GetProperty("arguments").GetString());
        Assert.False(turns[3].TryGetProperty("content", out _));
        Assert.Equal("call_1", turns[4].GetProperty("tool_call_id").GetString());
        Assert.Equal("sunny", turns[4].GetProperty("content").GetString());
        Assert.Contains("\"reasoning_details\":" + ReasoningDetails, submitted.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetResponseAsync_CompletedJob_MapsAnswerReasoningToolCallsAndUsage()
    {
        // Arrange
        AnswerCompleted("chat-2", """
            {"answer":"Let me look.","used_model":"vendor/model-a","model":"vendor/model","finish_reason":"tool_calls","cost":0.0012,"provider":"Vendor",
             "completed_at":"2026-03-01T12:00:05+00:00","has_reasoning":true,
             "usage":{"prompt_tokens":11,"completion_tokens":22,"reasoning_tokens":7,"cached_tokens":3,"total_tokens":33},
             "tool_calls":[{"id":"call_9","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Oslo\"}"}}]}
            """, reasoningJson: $$"""{"id":"chat-2","reasoning":"The user wants weather.","reasoning_details":{{ReasoningDetails}}}""");
        var client = CreateChatClient();

        // Act
        var response = await client.GetResponseAsync("Weather in Oslo?");

        // Assert
        Assert.Equal("chat-2", response.ResponseId);
        Assert.Equal("vendor/model-a", response.ModelId);
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 12, 0, 5, TimeSpan.Zero), response.CreatedAt);
        Assert.Equal((11L, 22L, 33L, 7L, 3L), (response.Usage!.InputTokenCount, response.Usage.OutputTokenCount, response.Usage.TotalTokenCount, response.Usage.ReasoningTokenCount, response.Usage.CachedInputTokenCount));
        Assert.Equal(0.0012, response.AdditionalProperties!["cost"]);
        Assert.Equal("Vendor", response.AdditionalProperties["provider"]);
        var message = Assert.Single(response.Messages);
        Assert.Equal(ChatRole.Assistant, message.Role);
        Assert.Equal("Let me look.", message.Text);
        var reasoning = Assert.Single(message.Contents.OfType<TextReasoningContent>());
        Assert.Equal("The user wants weather.", reasoning.Text);
        Assert.Equal(ReasoningDetails, reasoning.ProtectedData);
        var call = Assert.Single(message.Contents.OfType<FunctionCallContent>());
        Assert.Equal(("call_9", "get_weather"), (call.CallId, call.Name));
        Assert.Equal("Oslo", call.Arguments!["city"]?.ToString());
        Assert.Equal(["/api/jobs", "/api/jobs/chat-2", "/api/jobs/chat-2/reasoning"], _handler.Requests.Select(r => r.Uri.AbsolutePath));
    }

    [Fact]
    public async Task GetResponseAsync_ReturnedMessagesSentBack_SendsTheReasoningDetailsVerbatim()
    {
        // Arrange
        AnswerCompleted("chat-3", """{"answer":"42.","has_reasoning":true}""", reasoningJson: $$"""{"id":"chat-3","reasoning":"Think.","reasoning_details":{{ReasoningDetails}}}""");
        AnswerCompleted("chat-4", """{"answer":"Because.","has_reasoning":false}""");
        var client = CreateChatClient();
        List<ChatMessage> conversation = [new(ChatRole.User, "The answer?")];

        // Act
        conversation.AddMessages(await client.GetResponseAsync(conversation));
        conversation.Add(new ChatMessage(ChatRole.User, "Why?"));
        await client.GetResponseAsync(conversation);

        // Assert
        var second = _handler.Requests[3];
        Assert.Equal("/api/jobs", second.Uri.AbsolutePath);
        var assistant = JsonDocument.Parse(second.Body).RootElement.GetProperty("messages")[1];
        Assert.Equal("assistant", assistant.GetProperty("role").GetString());
        Assert.Equal("42.", assistant.GetProperty("content").GetString());
        Assert.Contains("\"reasoning_details\":" + ReasoningDetails, second.Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Failed", """{"code":"provider_error","message":"upstream said no","http_status":502}""", "provider_error: upstream said no")]
    [InlineData("Cancelled", "null", "no error was recorded")]
    public async Task GetResponseAsync_JobEndsWithoutAnswer_ThrowsNamingTheJobAndItsError(string status, string errorJson, string described)
    {
        // Arrange
        _handler.AnswerJson(HttpStatusCode.Accepted, """{"id":"chat-5","status":"Queued","status_url":"/api/jobs/chat-5","created":true}""")
                .AnswerJson(HttpStatusCode.OK, $$"""{"id":"chat-5","status":"{{status}}","error":{{errorJson}}}""");
        var client = CreateChatClient();

        // Act
        var ex = await Assert.ThrowsAsync<PromptQueueJobException>(() => client.GetResponseAsync("Hello"));

        // Assert
        Assert.Equal("chat-5", ex.JobId);
        Assert.Equal(Enum.Parse<JobStatus>(status), ex.Status);
        Assert.Equal($"PromptQueue job chat-5 ended {status}: {described}", ex.Message);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_CompletedJob_YieldsTheWholeAnswerWithItsReasoning()
    {
        // Arrange
        AnswerCompleted("chat-6", """{"answer":"Whole answer.","has_reasoning":true}""", reasoningJson: """{"id":"chat-6","reasoning":"Short thought.","reasoning_details":null}""");
        var client = CreateChatClient();

        // Act
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync("Hi"))
        {
            updates.Add(update);
        }

        // Assert
        var response = updates.ToChatResponse();
        Assert.Equal("Whole answer.", response.Text);
        Assert.Equal("chat-6", response.ResponseId);
        var reasoning = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<TextReasoningContent>());
        Assert.Equal("Short thought.", reasoning.Text);
        Assert.Null(reasoning.ProtectedData);
    }

    [Theory]
    [InlineData("json", """{"type":"json_object"}""")]
    [InlineData("text", """{"type":"text"}""")]
    public async Task GetResponseAsync_ResponseFormatWithoutSchema_AsksForTheMatchingFormat(string kind, string expected)
    {
        // Arrange
        AnswerCompleted("chat-7", """{"answer":"{}"}""");
        var client = CreateChatClient();
        var options = new ChatOptions { ResponseFormat = kind == "json" ? ChatResponseFormat.Json : ChatResponseFormat.Text };

        // Act
        await client.GetResponseAsync("Give JSON.", options);

        // Assert
        Assert.Equal(expected, JsonDocument.Parse(_handler.Requests[0].Body).RootElement.GetProperty("response_format").GetRawText());
    }

    [Fact]
    public async Task GetResponseAsync_AdditionalPropertyThatIsNoJobField_ThrowsNamingItAndSendsNothing()
    {
        // Arrange
        var client = CreateChatClient();
        var options = new ChatOptions { AdditionalProperties = new() { ["temprature"] = 1 } };

        // Act
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync("Hi", options));

        // Assert
        Assert.Contains("temprature", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_handler.Requests);
    }

    [Fact]
    public async Task GetResponseAsync_HostedTool_ThrowsNotSupportedAndSendsNothing()
    {
        // Arrange
        var client = CreateChatClient();

        // Act
        var ex = await Assert.ThrowsAsync<NotSupportedException>(() => client.GetResponseAsync("Search.", new ChatOptions { Tools = [new HostedWebSearchTool()] }));

        // Assert
        Assert.Contains("function tools only", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_handler.Requests);
    }

    [Fact]
    public void GetService_Metadata_NamesPromptQueueTheBaseAddressAndTheDefaultModel()
    {
        // Arrange
        var services = new ServiceCollection();
        services.AddPromptQueueClient(options => options.BaseAddress = Server);
        services.AddChatClient(provider => new PromptQueueChatClient(
            provider.GetRequiredService<PromptQueueClient>(), new PromptQueueChatClientOptions { DefaultModelId = "vendor/default" }));
        using var provider = services.BuildServiceProvider();

        // Act
        var metadata = provider.GetRequiredService<IChatClient>().GetService<ChatClientMetadata>();

        // Assert
        Assert.NotNull(metadata);
        Assert.Equal(("promptqueue", new Uri("http://pq.test:7071/"), "vendor/default"), (metadata.ProviderName, metadata.ProviderUri, metadata.DefaultModelId));
        Assert.NotNull(provider.GetRequiredService<IChatClient>().GetService<PromptQueueClient>());
    }

    public void Dispose() => _handler.Dispose();

    private PromptQueueChatClient CreateChatClient() =>
        new(new PromptQueueClient(new HttpClient(_handler), new PromptQueueClientOptions { BaseAddress = Server }));

    /// <summary>Scripts a submission that completes at once: accepted, then the completed job, then (when given) its reasoning.</summary>
    private void AnswerCompleted(string jobId, string viewFields, string? reasoningJson = null)
    {
        var view = JsonDocument.Parse(viewFields).RootElement.EnumerateObject().Select(p => $"\"{p.Name}\":{p.Value.GetRawText()}");
        _handler.AnswerJson(HttpStatusCode.Accepted, $$"""{"id":"{{jobId}}","status":"Queued","status_url":"/api/jobs/{{jobId}}","created":true}""")
                .AnswerJson(HttpStatusCode.OK, $$"""{"id":"{{jobId}}","status":"Completed",{{string.Join(",", view)}}}""");
        if (reasoningJson is not null)
        {
            _handler.AnswerJson(HttpStatusCode.OK, reasoningJson);
        }
    }
}
