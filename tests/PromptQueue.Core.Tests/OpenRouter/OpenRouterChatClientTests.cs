using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using PromptQueue.Core.OpenRouter;

namespace PromptQueue.Core.Tests.OpenRouter;

public sealed class OpenRouterChatClientTests
{
    [Fact]
    public async Task CompleteAsync_AnyRequest_PostsSnakeCaseStreamingBodyWithHeaders()
    {
        // Arrange
        var handler = StubHandler.Returning(Responses.EventStream(OpenRouterSamples.SuccessfulStream));
        var client = TestClients.Create(handler);
        var request = new ChatRequest
        {
            Messages = [ChatMessage.FromText("system", "Be brief."), ChatMessage.FromText("user", "What is 2+2?")],
            Reasoning = new ReasoningOptions { Effort = "high" },
            TopP = 0.9,
            MaxTokens = 4096,
            Stop = JsonSerializer.SerializeToElement(new[] { "END" }),
            User = "tenant-42",
            Metadata = new Dictionary<string, string> { ["JobId"] = "job-1" },
        };

        // Act
        await client.CompleteAsync(request, CancellationToken.None);

        // Assert
        var sent = handler.LastRequest!;
        Assert.Equal(HttpMethod.Post, sent.Method);
        Assert.Equal(new Uri("https://openrouter.ai/api/v1/chat/completions"), sent.RequestUri);
        Assert.Equal("Bearer", sent.Headers.Authorization?.Scheme);
        Assert.Equal(TestClients.ApiKey, sent.Headers.Authorization?.Parameter);
        Assert.Equal("https://promptqueue.example", Assert.Single(sent.Headers.GetValues("HTTP-Referer")));
        Assert.Equal("PromptQueue", Assert.Single(sent.Headers.GetValues("X-Title")));
        Assert.Equal("PromptQueue", Assert.Single(sent.Headers.GetValues("X-OpenRouter-Title")));

        using var body = JsonDocument.Parse(handler.LastRequestBody!);
        var root = body.RootElement;
        Assert.Equal("openai/gpt-oss-120b:free", root.GetProperty("model").GetString());
        Assert.True(root.GetProperty("stream").GetBoolean());
        Assert.True(root.GetProperty("usage").GetProperty("include").GetBoolean());
        Assert.Equal("high", root.GetProperty("reasoning").GetProperty("effort").GetString());
        Assert.Equal(0.9, root.GetProperty("top_p").GetDouble());
        Assert.Equal(4096, root.GetProperty("max_tokens").GetInt32());
        Assert.Equal("END", root.GetProperty("stop")[0].GetString());
        Assert.Equal("tenant-42", root.GetProperty("user").GetString());
        Assert.Equal("job-1", root.GetProperty("metadata").GetProperty("JobId").GetString());
        Assert.Equal("What is 2+2?", root.GetProperty("messages")[1].GetProperty("content").GetString());
        Assert.False(root.TryGetProperty("temperature", out _), "Unset parameters must be left out, not sent as null.");
        Assert.False(root.GetProperty("reasoning").TryGetProperty("max_tokens", out _));
    }

    [Fact]
    public async Task CompleteAsync_AssistantMessageWithReasoningDetails_SendsThemByteForByte()
    {
        // Arrange: escapes, spacing and number formats that a re-encoding serializer would change.
        const string details = """[ {"type":"reasoning.encrypted","data":"gAAAA\u002Bb/c==","id":"rs_1","format":"openai-responses-v1","index":0,"weight":1.50} ]""";
        const string toolCalls = """[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]""";
        var handler = StubHandler.Returning(Responses.EventStream(OpenRouterSamples.SuccessfulStream));
        var client = TestClients.Create(handler);
        using var detailsDocument = JsonDocument.Parse(details);
        using var toolCallsDocument = JsonDocument.Parse(toolCalls);
        var request = new ChatRequest
        {
            Model = "anthropic/claude-sonnet-4",
            Messages =
            [
                ChatMessage.FromText("user", "Weather?"),
                new ChatMessage { Role = "assistant", ReasoningDetails = detailsDocument.RootElement, ToolCalls = toolCallsDocument.RootElement },
                new ChatMessage { Role = "tool", ToolCallId = "call_1", Content = JsonSerializer.SerializeToElement("18C") },
            ],
        };

        // Act
        await client.CompleteAsync(request, CancellationToken.None);

        // Assert
        var body = handler.LastRequestBody!;
        Assert.Contains($"\"reasoning_details\":{details}", body, StringComparison.Ordinal);
        Assert.Contains($"\"tool_calls\":{toolCalls}", body, StringComparison.Ordinal);
        Assert.Contains("\"tool_call_id\":\"call_1\"", body, StringComparison.Ordinal);
        Assert.Contains("\"model\":\"anthropic/claude-sonnet-4\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CompleteAsync_NoApiKeyAndBaseUrlWithoutSlash_SendsNoAuthorizationToTheRightPath()
    {
        // Arrange
        var handler = StubHandler.Returning(Responses.EventStream(OpenRouterSamples.SuccessfulStream));
        var client = TestClients.Create(handler, configure: options =>
        {
            options.ApiKey = null;
            options.BaseUrl = new Uri("http://localhost:7071/fake/api/v1");
        });

        // Act
        await client.CompleteAsync(TestClients.Request(), CancellationToken.None);

        // Assert
        Assert.Null(handler.LastRequest!.Headers.Authorization);
        Assert.Equal(new Uri("http://localhost:7071/fake/api/v1/chat/completions"), handler.LastRequest.RequestUri);
    }

    [Fact]
    public async Task CompleteAsync_RequestWithFallbackModels_DoesNotAddTheDefaultModel()
    {
        // Arrange
        var handler = StubHandler.Returning(Responses.EventStream(OpenRouterSamples.SuccessfulStream));
        var client = TestClients.Create(handler);
        var request = TestClients.Request() with { Models = ["openai/gpt-oss-120b:free", "openrouter/free"] };

        // Act
        await client.CompleteAsync(request, CancellationToken.None);

        // Assert
        using var body = JsonDocument.Parse(handler.LastRequestBody!);
        Assert.False(body.RootElement.TryGetProperty("model", out _));
        Assert.Equal(2, body.RootElement.GetProperty("models").GetArrayLength());
    }

    [Fact]
    public async Task CompleteAsync_StreamWithCommentsAndLateUsage_Succeeds()
    {
        // Arrange
        var client = TestClients.Create(StubHandler.Returning(Responses.EventStream(OpenRouterSamples.SuccessfulStream)));

        // Act
        var outcome = await client.CompleteAsync(TestClients.Request(), CancellationToken.None);

        // Assert
        var completion = Assert.IsType<ChatSucceeded>(outcome).Completion;
        Assert.Equal("2 + 2 = 4.", completion.Content);
        Assert.Equal("The user asks for 2+2.", completion.Reasoning);
        Assert.Equal("""[{"type":"reasoning.text","text":"The user asks for 2+2.","format":"unknown","index":0}]""", completion.ReasoningDetails);
        Assert.Equal("stop", completion.FinishReason);
        Assert.Equal(new ChatUsage(72, 41, 113, 28, 0, 0m), completion.Usage);
        Assert.Equal(OpenRouterSamples.GenerationId, completion.GenerationId);
    }

    [Fact]
    public async Task CompleteAsync_SeventeenCommentLinesBeforeData_IgnoresThem()
    {
        // Arrange: a queued free model sends many keep-alives before the first token.
        var comments = string.Concat(Enumerable.Repeat(": OPENROUTER PROCESSING\n\n", 17));
        var stream = comments + OpenRouterSamples.Stream(OpenRouterSamples.Chunk("""{"role":"assistant","content":"Hello"}""", finishReason: "\"stop\""));
        var client = TestClients.Create(StubHandler.Returning(Responses.EventStream(stream)));

        // Act
        var outcome = await client.CompleteAsync(TestClients.Request(), CancellationToken.None);

        // Assert
        Assert.Equal("Hello", Assert.IsType<ChatSucceeded>(outcome).Completion.Content);
    }

    [Fact]
    public async Task CompleteAsync_ChunksWithoutId_TakesGenerationIdFromHeader()
    {
        // Arrange
        const string stream = """
            data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":"stop"}]}

            data: [DONE]


            """;
        var client = TestClients.Create(StubHandler.Returning(Responses.EventStream(stream, ("X-Generation-Id", "gen-from-header"))));

        // Act
        var outcome = await client.CompleteAsync(TestClients.Request(), CancellationToken.None);

        // Assert
        Assert.Equal("gen-from-header", Assert.IsType<ChatSucceeded>(outcome).Completion.GenerationId);
    }

    [Fact]
    public async Task CompleteAsync_ToolCallsWithoutContent_Succeeds()
    {
        // Arrange
        var stream = OpenRouterSamples.Stream(
            OpenRouterSamples.Chunk("""{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"lookup","arguments":"{\"q\":"}}]}"""),
            OpenRouterSamples.Chunk("""{"tool_calls":[{"index":0,"function":{"arguments":"\"x\"}"}}]}""", finishReason: "\"tool_calls\""));
        var client = TestClients.Create(StubHandler.Returning(Responses.EventStream(stream)));

        // Act
        var outcome = await client.CompleteAsync(TestClients.Request(), CancellationToken.None);

        // Assert
        var call = Assert.Single(Assert.IsType<ChatSucceeded>(outcome).Completion.ToolCalls);
        Assert.Equal(new ToolCall("call_1", "function", "lookup", """{"q":"x"}"""), call);
    }

    [Fact]
    public async Task CompleteAsync_TwoMillionCharacterReasoningStream_KeepsItIntact()
    {
        // Arrange
        var expected = new StringBuilder();
        var chunks = new List<string>();
        for (var i = 0; i < 500; i++)
        {
            var fragment = new string((char)('a' + (i % 26)), 4_000);
            expected.Append(fragment);
            chunks.Add(OpenRouterSamples.Chunk($$"""{"reasoning":"{{fragment}}","reasoning_details":[{"type":"reasoning.text","text":"{{fragment}}","index":0}]}"""));
        }

        chunks.Add(OpenRouterSamples.Chunk("""{"content":"Done."}""", finishReason: "\"stop\""));
        var client = TestClients.Create(StubHandler.Returning(Responses.EventStream(OpenRouterSamples.Stream([.. chunks]))));

        // Act
        var outcome = await client.CompleteAsync(TestClients.Request(), CancellationToken.None);

        // Assert
        var completion = Assert.IsType<ChatSucceeded>(outcome).Completion;
        Assert.Equal(expected.ToString(), completion.Reasoning);
        using var details = JsonDocument.Parse(completion.ReasoningDetails!);
        Assert.Equal(expected.ToString(), Assert.Single(details.RootElement.EnumerateArray()).GetProperty("text").GetString());
        Assert.Equal("Done.", completion.Content);
    }

    [Fact]
    public async Task CompleteAsync_MidStreamRateLimitChunk_RetriesLaterAsTheProvidersRateLimit()
    {
        // Arrange
        var stream = OpenRouterSamples.Stream(
            OpenRouterSamples.Chunk("""{"role":"assistant","content":"Partial"}"""),
            OpenRouterSamples.MidStreamErrorChunk);
        var client = TestClients.Create(StubHandler.Returning(Responses.EventStream(stream)));

        // Act
        var outcome = await client.CompleteAsync(TestClients.Request(), CancellationToken.None);

        // Assert
        var retry = Assert.IsType<ChatRetryLater>(outcome);
        Assert.Equal(RetryReason.UpstreamRateLimited, retry.Reason);
        Assert.Equal("rate_limit_exceeded", retry.Error.Code);
        Assert.Equal("OpenAI", retry.Error.ProviderName);
        Assert.Equal(OpenRouterSamples.MidStreamErrorChunk, retry.Error.RawBody);
    }

    [Fact]
    public async Task CompleteAsync_TokenLimitErrorChunk_FailsWithoutRetry()
    {
        // Arrange: the recorded "Token limit reached" chunk, after chunks that already said finish_reason "length".
        var stream = OpenRouterSamples.Stream(
            OpenRouterSamples.Chunk("""{"role":"assistant","content":"Long answer"}""", finishReason: "\"length\""),
            OpenRouterSamples.TokenLimitErrorChunk);
        var client = TestClients.Create(StubHandler.Returning(Responses.EventStream(stream)));

        // Act
        var outcome = await client.CompleteAsync(TestClients.Request(), CancellationToken.None);

        // Assert: a 400 in the stream is as deterministic as a 400 status; retrying would spend requests in vain.
        var failed = Assert.IsType<ChatFailed>(outcome);
        Assert.Equal((200, "400"), (failed.Error.HttpStatus, failed.Error.Code));
        Assert.Equal("Token limit reached", failed.Error.Message);
    }

    [Fact]
    public async Task CompleteAsync_FinishReasonErrorWithoutErrorObject_RetriesLaterAsMidStreamError()
    {
        // Arrange
        var stream = OpenRouterSamples.Stream(OpenRouterSamples.Chunk("""{"role":"assistant","content":"Part"}""", finishReason: "\"error\""));
        var client = TestClients.Create(StubHandler.Returning(Responses.EventStream(stream)));

        // Act
        var outcome = await client.CompleteAsync(TestClients.Request(), CancellationToken.None);

        // Assert
        var retry = Assert.IsType<ChatRetryLater>(outcome);
        Assert.Equal(RetryReason.MidStreamError, retry.Reason);
        Assert.Equal("finish_reason_error", retry.Error.Code);
        Assert.Equal("OpenInference", retry.Error.ProviderName);
    }

    [Fact]
    public async Task CompleteAsync_Http200WithBareErrorBody_RetriesLaterAsMidStreamError()
    {
        // Arrange
        var client = TestClients.Create(StubHandler.Returning(Responses.Json(HttpStatusCode.OK, OpenRouterSamples.BareErrorWith200)));

        // Act
        var outcome = await client.CompleteAsync(TestClients.Request(), CancellationToken.None);

        // Assert
        var retry = Assert.IsType<ChatRetryLater>(outcome);
        Assert.Equal(RetryReason.MidStreamError, retry.Reason);
        Assert.Equal(200, retry.Error.HttpStatus);
        Assert.Equal("OpenInference", retry.Error.ProviderName);
        Assert.Equal(OpenRouterSamples.BareErrorWith200, retry.Error.RawBody);
    }

    [Fact]
    public async Task CompleteAsync_Http200WithNonStreamingCompletion_Succeeds()
    {
        // Arrange
        var client = TestClients.Create(StubHandler.Returning(Responses.Json(HttpStatusCode.OK, OpenRouterSamples.NonStreamingCompletion)));

        // Act
        var outcome = await client.CompleteAsync(TestClients.Request(), CancellationToken.None);

        // Assert
        var completion = Assert.IsType<ChatSucceeded>(outcome).Completion;
        Assert.Equal("Paris.", completion.Content);
        Assert.Equal(0.00435825m, completion.Usage?.Cost);
    }

    [Fact]
    public async Task CompleteAsync_NonStreamingBodyWithErrorInChoice_RetriesLaterAsMidStreamError()
    {
        // Arrange
        var client = TestClients.Create(StubHandler.Returning(Responses.Json(HttpStatusCode.OK, OpenRouterSamples.NonStreamingProviderError)));

        // Act
        var outcome = await client.CompleteAsync(TestClients.Request(), CancellationToken.None);

        // Assert
        var retry = Assert.IsType<ChatRetryLater>(outcome);
        Assert.Equal(RetryReason.MidStreamError, retry.Reason);
        Assert.Equal("provider_unavailable", retry.Error.Code);
    }

    [Fact]
    public async Task CompleteAsync_StreamEndsWithoutDone_RetriesLaterAsMalformed()
    {
        // Arrange
        var stream = $"data: {OpenRouterSamples.Chunk("""{"role":"assistant","content":"Cut"}""")}\n\n";
        var client = TestClients.Create(StubHandler.Returning(Responses.EventStream(stream)));

        // Act
        var outcome = await client.CompleteAsync(TestClients.Request(), CancellationToken.None);

        // Assert
        var retry = Assert.IsType<ChatRetryLater>(outcome);
        Assert.Equal(RetryReason.MalformedResponse, retry.Reason);
        Assert.Equal("stream_incomplete", retry.Error.Code);
    }

    [Fact]
    public async Task CompleteAsync_MalformedDataLine_RetriesLaterAsMalformed()
    {
        // Arrange
        var stream = OpenRouterSamples.Stream(OpenRouterSamples.Chunk("""{"content":"ok"}"""), """{"id":"gen-1","choices":[{"delta":{"content":"trunc""");
        var client = TestClients.Create(StubHandler.Returning(Responses.EventStream(stream)));

        // Act
        var outcome = await client.CompleteAsync(TestClients.Request(), CancellationToken.None);

        // Assert
        var retry = Assert.IsType<ChatRetryLater>(outcome);
        Assert.Equal(RetryReason.MalformedResponse, retry.Reason);
        Assert.Equal("malformed_json", retry.Error.Code);
        Assert.Contains("trunc", retry.Error.RawBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CompleteAsync_CompletedStreamWithoutContent_RetriesLaterAsEmpty()
    {
        // Arrange
        var stream = OpenRouterSamples.Stream(
            OpenRouterSamples.Chunk("""{"role":"assistant","content":"","reasoning":"thinking...","reasoning_details":[]}"""),
            OpenRouterSamples.Chunk("""{"role":"assistant","content":""}""", finishReason: "\"stop\""));
        var client = TestClients.Create(StubHandler.Returning(Responses.EventStream(stream)));

        // Act
        var outcome = await client.CompleteAsync(TestClients.Request(), CancellationToken.None);

        // Assert
        var retry = Assert.IsType<ChatRetryLater>(outcome);
        Assert.Equal(RetryReason.EmptyResponse, retry.Reason);
        Assert.Equal("empty_response", retry.Error.Code);
    }

    [Fact]
    public async Task CompleteAsync_ConnectionResetMidStream_RetriesLaterAsNetworkError()
    {
        // Arrange
        var body = new ScriptedStream();
        body.Send(": OPENROUTER PROCESSING\n\n" + $"data: {OpenRouterSamples.Chunk("""{"content":"Half"}""")}\n\n");
        body.Fail(new IOException("Unable to read data from the transport connection: Connection reset by peer."));
        var client = TestClients.Create(StubHandler.Returning(Responses.EventStream(body)));

        // Act
        var outcome = await client.CompleteAsync(TestClients.Request(), CancellationToken.None);

        // Assert
        var retry = Assert.IsType<ChatRetryLater>(outcome);
        Assert.Equal(RetryReason.NetworkError, retry.Reason);
        Assert.Contains("Connection reset by peer", retry.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CompleteAsync_ConnectionRefused_RetriesLaterAsNetworkError()
    {
        // Arrange
        var client = TestClients.Create(StubHandler.Throwing(new HttpRequestException("Connection refused (openrouter.ai:443)")));

        // Act
        var outcome = await client.CompleteAsync(TestClients.Request(), CancellationToken.None);

        // Assert
        var retry = Assert.IsType<ChatRetryLater>(outcome);
        Assert.Equal(RetryReason.NetworkError, retry.Reason);
        Assert.Null(retry.Error.HttpStatus);
        Assert.Equal("network_error", retry.Error.Code);
    }

    [Fact]
    public async Task CompleteAsync_PerMinute429WithHeaders_RetriesLaterWithWaitAndWindow()
    {
        // Arrange
        var response = Responses.Json(
            HttpStatusCode.TooManyRequests,
            OpenRouterSamples.PerMinuteRateLimit,
            ("Retry-After", "42"),
            ("X-RateLimit-Limit", "16"),
            ("X-RateLimit-Remaining", "0"),
            ("X-RateLimit-Reset", "1774047180000"));
        var client = TestClients.Create(StubHandler.Returning(response));

        // Act
        var outcome = await client.CompleteAsync(TestClients.Request(), CancellationToken.None);

        // Assert
        var retry = Assert.IsType<ChatRetryLater>(outcome);
        Assert.Equal(RetryReason.RateLimitedPerMinute, retry.Reason);
        Assert.Equal(TimeSpan.FromSeconds(42), retry.RetryAfter);
        Assert.Equal(new RateLimitInfo(16, 0, new DateTimeOffset(2026, 3, 20, 22, 53, 0, TimeSpan.Zero)), retry.RateLimit);
    }

    [Fact]
    public async Task CompleteAsync_PerDay429_RetriesLaterPerDay()
    {
        // Arrange
        var client = TestClients.Create(StubHandler.Returning(Responses.Json(HttpStatusCode.TooManyRequests, OpenRouterSamples.PerDayRateLimit)));

        // Act
        var outcome = await client.CompleteAsync(TestClients.Request(), CancellationToken.None);

        // Assert
        Assert.Equal(RetryReason.RateLimitedPerDay, Assert.IsType<ChatRetryLater>(outcome).Reason);
    }

    [Fact]
    public async Task CompleteAsync_Upstream429_RetriesLaterAsUpstreamRateLimited()
    {
        // Arrange
        var client = TestClients.Create(StubHandler.Returning(Responses.Json(HttpStatusCode.TooManyRequests, OpenRouterSamples.UpstreamRateLimit)));

        // Act
        var outcome = await client.CompleteAsync(TestClients.Request(), CancellationToken.None);

        // Assert
        var retry = Assert.IsType<ChatRetryLater>(outcome);
        Assert.Equal(RetryReason.UpstreamRateLimited, retry.Reason);
        Assert.Equal("OpenInference", retry.Error.ProviderName);
    }

    [Fact]
    public async Task CompleteAsync_CapacityExhausted_RetriesLaterAfterAvailabilityWait()
    {
        // Arrange
        var client = TestClients.Create(StubHandler.Returning(Responses.Json(HttpStatusCode.TooManyRequests, OpenRouterSamples.CapacityExhausted, ("Retry-After", "30"))));

        // Act
        var outcome = await client.CompleteAsync(TestClients.Request(), CancellationToken.None);

        // Assert
        var retry = Assert.IsType<ChatRetryLater>(outcome);
        Assert.Equal(RetryReason.CapacityExhausted, retry.Reason);
        Assert.Equal(TimeSpan.FromSeconds(30), retry.RetryAfter);
    }

    [Fact]
    public async Task CompleteAsync_Unauthorized_IsSystemic()
    {
        // Arrange
        var client = TestClients.Create(StubHandler.Returning(Responses.Json(HttpStatusCode.Unauthorized, OpenRouterSamples.MissingAuthentication)));

        // Act
        var outcome = await client.CompleteAsync(TestClients.Request(), CancellationToken.None);

        // Assert
        Assert.Equal(401, Assert.IsType<ChatSystemicFailure>(outcome).Error.HttpStatus);
    }

    [Fact]
    public async Task CompleteAsync_PaymentRequired_IsSystemic()
    {
        // Arrange
        var client = TestClients.Create(StubHandler.Returning(Responses.Json(HttpStatusCode.PaymentRequired, OpenRouterSamples.InsufficientCredits)));

        // Act
        var outcome = await client.CompleteAsync(TestClients.Request(), CancellationToken.None);

        // Assert
        var systemic = Assert.IsType<ChatSystemicFailure>(outcome);
        Assert.StartsWith("This request requires more credits", systemic.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CompleteAsync_NoEndpointsFound_Fails()
    {
        // Arrange
        var client = TestClients.Create(StubHandler.Returning(Responses.Json(HttpStatusCode.NotFound, OpenRouterSamples.NoEndpointsFound)));

        // Act
        var outcome = await client.CompleteAsync(TestClients.Request(), CancellationToken.None);

        // Assert
        var failed = Assert.IsType<ChatFailed>(outcome);
        Assert.Equal("No endpoints found for stepfun/step-3.5-flash:free.", failed.Error.Message);
    }

    [Fact]
    public async Task CompleteAsync_CloudflareHtml502_RetriesLaterAsServerError()
    {
        // Arrange
        var client = TestClients.Create(StubHandler.Returning(Responses.Html(HttpStatusCode.BadGateway, OpenRouterSamples.CloudflareBadGateway)));

        // Act
        var outcome = await client.CompleteAsync(TestClients.Request(), CancellationToken.None);

        // Assert
        var retry = Assert.IsType<ChatRetryLater>(outcome);
        Assert.Equal(RetryReason.ServerError, retry.Reason);
        Assert.Contains("502 Bad Gateway", retry.Error.RawBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CompleteAsync_EdgeTimeout524_RetriesLaterAsTimeout()
    {
        // Arrange
        var client = TestClients.Create(StubHandler.Returning(Responses.Json((HttpStatusCode)524, OpenRouterSamples.EdgeTimeout)));

        // Act
        var outcome = await client.CompleteAsync(TestClients.Request(), CancellationToken.None);

        // Assert
        Assert.Equal(RetryReason.Timeout, Assert.IsType<ChatRetryLater>(outcome).Reason);
    }

    [Fact]
    public async Task CompleteAsync_ErrorBodyEchoingTheKey_NeverExposesTheKey()
    {
        // Arrange
        var body = $$$$"""{"error":{"code":401,"message":"Invalid key {{{{TestClients.ApiKey}}}}","metadata":{"raw":"Bearer {{{{TestClients.ApiKey}}}} rejected"}}}""";
        var logger = new CapturingLogger<OpenRouterChatClient>();
        var client = TestClients.Create(StubHandler.Returning(Responses.Json(HttpStatusCode.Unauthorized, body)), logger: logger);

        // Act
        var outcome = await client.CompleteAsync(TestClients.Request(), CancellationToken.None);

        // Assert
        var error = Assert.IsType<ChatSystemicFailure>(outcome).Error;
        Assert.DoesNotContain(TestClients.ApiKey, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(TestClients.ApiKey, outcome.ToString(), StringComparison.Ordinal);
        Assert.Contains("[REDACTED]", error.RawBody, StringComparison.Ordinal);
        Assert.Contains("[REDACTED]", error.Message, StringComparison.Ordinal);
        Assert.NotEmpty(logger.Entries);
        Assert.All(logger.Entries, entry => Assert.DoesNotContain(TestClients.ApiKey, entry, StringComparison.Ordinal));
    }

    [Fact]
    public async Task CompleteAsync_MidStreamErrorEchoingTheKey_NeverExposesTheKey()
    {
        // Arrange
        var chunk = $$"""{"id":"gen-1","provider":"OpenAI","error":{"code":"server_error","message":"bad header Authorization: Bearer {{TestClients.ApiKey}}"},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}]}""";
        var logger = new CapturingLogger<OpenRouterChatClient>();
        var client = TestClients.Create(StubHandler.Returning(Responses.EventStream(OpenRouterSamples.Stream(chunk))), logger: logger);

        // Act
        var outcome = await client.CompleteAsync(TestClients.Request(), CancellationToken.None);

        // Assert
        var retry = Assert.IsType<ChatRetryLater>(outcome);
        Assert.DoesNotContain(TestClients.ApiKey, retry.ToString(), StringComparison.Ordinal);
        Assert.Contains("[REDACTED]", retry.Error.RawBody, StringComparison.Ordinal);
        Assert.All(logger.Entries, entry => Assert.DoesNotContain(TestClients.ApiKey, entry, StringComparison.Ordinal));
    }

    [Fact]
    public async Task CompleteAsync_Success_LogsModelAndStatusWithoutTheKey()
    {
        // Arrange
        var logger = new CapturingLogger<OpenRouterChatClient>();
        var client = TestClients.Create(StubHandler.Returning(Responses.EventStream(OpenRouterSamples.SuccessfulStream)), logger: logger);

        // Act
        await client.CompleteAsync(TestClients.Request(), CancellationToken.None);

        // Assert
        Assert.Contains(logger.Entries, entry => entry.Contains("OpenRouter call for model openai/gpt-oss-120b:free returned 200", StringComparison.Ordinal));
        Assert.All(logger.Entries, entry => Assert.DoesNotContain(TestClients.ApiKey, entry, StringComparison.Ordinal));
    }

    [Fact]
    public async Task CompleteAsync_StreamFallsSilent_RetriesLaterAsIdleTimeout()
    {
        // Arrange
        var time = new FakeTimeProvider();
        var body = new ScriptedStream();
        var client = TestClients.Create(StubHandler.Returning(Responses.EventStream(body)), time, options => options.IdleTimeout = TimeSpan.FromMinutes(2));
        var call = client.CompleteAsync(TestClients.Request(), CancellationToken.None);
        await body.ReaderWaitingAsync();
        body.Send(": OPENROUTER PROCESSING\n\n");
        await body.ReaderWaitingAsync();

        // Act
        time.Advance(TimeSpan.FromMinutes(2));
        var outcome = await call.WaitAsync(TimeSpan.FromSeconds(10));

        // Assert
        var retry = Assert.IsType<ChatRetryLater>(outcome);
        Assert.Equal(RetryReason.Timeout, retry.Reason);
        Assert.Equal("idle_timeout", retry.Error.Code);
    }

    [Fact]
    public async Task CompleteAsync_KeepAliveCommentsKeepArriving_DoesNotTimeOutWhileIdleLimitIsExceededInTotal()
    {
        // Arrange
        var time = new FakeTimeProvider();
        var body = new ScriptedStream();
        var client = TestClients.Create(StubHandler.Returning(Responses.EventStream(body)), time, options => options.IdleTimeout = TimeSpan.FromMinutes(2));
        var call = client.CompleteAsync(TestClients.Request(), CancellationToken.None);

        // Act: five minutes of comments, never more than 100 seconds apart.
        for (var i = 0; i < 3; i++)
        {
            await body.ReaderWaitingAsync();
            time.Advance(TimeSpan.FromSeconds(100));
            body.Send(": OPENROUTER PROCESSING\n\n");
        }

        await body.ReaderWaitingAsync();
        body.Send(OpenRouterSamples.Stream(OpenRouterSamples.Chunk("""{"content":"Still here"}""", finishReason: "\"stop\"")));
        body.End();
        var outcome = await call.WaitAsync(TimeSpan.FromSeconds(10));

        // Assert
        Assert.Equal("Still here", Assert.IsType<ChatSucceeded>(outcome).Completion.Content);
    }

    [Fact]
    public async Task CompleteAsync_CallOutlastsRequestTimeout_RetriesLaterAsRequestTimeout()
    {
        // Arrange
        var time = new FakeTimeProvider();
        var body = new ScriptedStream();
        var client = TestClients.Create(StubHandler.Returning(Responses.EventStream(body)), time, options =>
        {
            options.IdleTimeout = TimeSpan.FromMinutes(2);
            options.RequestTimeout = TimeSpan.FromMinutes(5);
        });
        var call = client.CompleteAsync(TestClients.Request(), CancellationToken.None);
        for (var i = 0; i < 3; i++)
        {
            await body.ReaderWaitingAsync();
            time.Advance(TimeSpan.FromSeconds(90));
            body.Send(": OPENROUTER PROCESSING\n\n");
        }

        await body.ReaderWaitingAsync();

        // Act
        time.Advance(TimeSpan.FromSeconds(90));
        var outcome = await call.WaitAsync(TimeSpan.FromSeconds(10));

        // Assert
        var retry = Assert.IsType<ChatRetryLater>(outcome);
        Assert.Equal(RetryReason.Timeout, retry.Reason);
        Assert.Equal("request_timeout", retry.Error.Code);
    }

    [Fact]
    public async Task CompleteAsync_CallerCancels_ThrowsOperationCanceled()
    {
        // Arrange
        var body = new ScriptedStream();
        var client = TestClients.Create(StubHandler.Returning(Responses.EventStream(body)), new FakeTimeProvider());
        using var cancellation = new CancellationTokenSource();
        var call = client.CompleteAsync(TestClients.Request(), cancellation.Token);
        await body.ReaderWaitingAsync();

        // Act
        await cancellation.CancelAsync();

        // Assert
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
