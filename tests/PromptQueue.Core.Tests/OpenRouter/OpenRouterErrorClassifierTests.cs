using System.Net;
using System.Text.Json;
using PromptQueue.Core.OpenRouter;

namespace PromptQueue.Core.Tests.OpenRouter;

public sealed class OpenRouterErrorClassifierTests
{
    private static readonly DateTimeOffset PerMinuteReset = new(2026, 3, 20, 22, 53, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset PerDayReset = new(2026, 3, 22, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ClassifyHttpError_PerMinuteFreeTierLimit_RetriesLaterWithLimitsFromBodyHeaders()
    {
        // Arrange / Act
        var outcome = Classify(429, OpenRouterSamples.PerMinuteRateLimit);

        // Assert
        var retry = Assert.IsType<ChatRetryLater>(outcome);
        Assert.Equal(RetryReason.RateLimitedPerMinute, retry.Reason);
        Assert.Equal(new RateLimitInfo(16, 0, PerMinuteReset), retry.RateLimit);
        Assert.Equal(429, retry.Error.HttpStatus);
        Assert.Equal("429", retry.Error.Code);
        Assert.Null(retry.Error.ProviderName);
        Assert.Equal(OpenRouterSamples.PerMinuteRateLimit, retry.Error.RawBody);
    }

    [Fact]
    public void ClassifyHttpError_RateLimitHttpHeadersPresent_PreferThemToTheBodyCopy()
    {
        // Arrange
        var hints = new RetryHints(TimeSpan.FromSeconds(7), new RateLimitInfo(20, 0, PerMinuteReset.AddMinutes(1)));

        // Act
        var outcome = Classify(429, OpenRouterSamples.PerMinuteRateLimit, hints);

        // Assert
        var retry = Assert.IsType<ChatRetryLater>(outcome);
        Assert.Equal(RetryReason.RateLimitedPerMinute, retry.Reason);
        Assert.Equal(hints.RateLimit, retry.RateLimit);
        Assert.Equal(TimeSpan.FromSeconds(7), retry.RetryAfter);
    }

    [Fact]
    public void ClassifyHttpError_PerDayFreeTierLimit_RetriesLaterPerDayWithReset()
    {
        // Arrange / Act
        var outcome = Classify(429, OpenRouterSamples.PerDayRateLimit);

        // Assert
        var retry = Assert.IsType<ChatRetryLater>(outcome);
        Assert.Equal(RetryReason.RateLimitedPerDay, retry.Reason);
        Assert.Equal(new RateLimitInfo(50, 0, PerDayReset), retry.RateLimit);
        Assert.Contains("free-models-per-day", retry.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ClassifyHttpError_PerDayLimitWithoutResetValue_LeavesResetToTheCaller()
    {
        // Arrange
        const string body = """{"error":{"message":"Rate limit exceeded: free-models-per-day. Add 10 credits to unlock 1000 free model requests per day","code":429}}""";

        // Act
        var outcome = Classify(429, body);

        // Assert
        var retry = Assert.IsType<ChatRetryLater>(outcome);
        Assert.Equal(RetryReason.RateLimitedPerDay, retry.Reason);
        Assert.Null(retry.RateLimit);
    }

    [Theory]
    [InlineData("1774137600000", RetryReason.RateLimitedPerDay)]
    [InlineData("1774047180000", RetryReason.RateLimitedPerMinute)]
    public void ClassifyHttpError_EchoedHeadersWithPlainMessage_TellsDailyFromPerMinuteByReset(string reset, RetryReason expected)
    {
        // Arrange: a platform 429 whose message does not name the limit.
        var body = $$$$"""{"error":{"message":"Rate limit exceeded","code":"429","metadata":{"headers":{"x-ratelimit-limit":"50","x-ratelimit-remaining":"0","x-ratelimit-reset":"{{{{reset}}}}"},"provider_name":null}}}""";

        // Act
        var outcome = Classify(429, body);

        // Assert
        Assert.Equal(expected, Assert.IsType<ChatRetryLater>(outcome).Reason);
    }

    [Fact]
    public void ClassifyHttpError_DocumentedGenericRateLimit_RetriesLaterAsRateLimited()
    {
        // Arrange / Act
        var outcome = Classify(429, OpenRouterSamples.DocumentedRateLimit);

        // Assert
        var retry = Assert.IsType<ChatRetryLater>(outcome);
        Assert.Equal(RetryReason.RateLimited, retry.Reason);
        Assert.Equal("rate_limit_exceeded", retry.Error.Code);
        Assert.Equal("rate_limit_exceeded", retry.Error.ErrorType);
    }

    [Fact]
    public void ClassifyHttpError_UpstreamRateLimit_RetriesLaterNamingTheProvider()
    {
        // Arrange / Act
        var outcome = Classify(429, OpenRouterSamples.UpstreamRateLimit);

        // Assert
        var retry = Assert.IsType<ChatRetryLater>(outcome);
        Assert.Equal(RetryReason.UpstreamRateLimited, retry.Reason);
        Assert.Equal("OpenInference", retry.Error.ProviderName);
        Assert.StartsWith("Provider returned error: openai/gpt-oss-120b:free is temporarily rate-limited upstream.", retry.Error.Message, StringComparison.Ordinal);
        Assert.Null(retry.RateLimit);
    }

    [Fact]
    public void ClassifyHttpError_CapacityExhausted_RetriesLaterAfterTheAvailabilityWait()
    {
        // Arrange / Act
        var outcome = Classify(429, OpenRouterSamples.CapacityExhausted, new RetryHints(TimeSpan.FromSeconds(45), null));

        // Assert
        var retry = Assert.IsType<ChatRetryLater>(outcome);
        Assert.Equal(RetryReason.CapacityExhausted, retry.Reason);
        Assert.Equal(TimeSpan.FromSeconds(30), retry.RetryAfter);
        Assert.Equal("capacity_exhausted", retry.Error.Code);
        Assert.Equal("rate_limit_exceeded", retry.Error.ErrorType);
    }

    [Fact]
    public void ClassifyHttpError_TemporarilyUnavailable503_RetriesLaterAsCapacityExhausted()
    {
        // Arrange / Act
        var outcome = Classify(503, OpenRouterSamples.TemporarilyUnavailable);

        // Assert
        var retry = Assert.IsType<ChatRetryLater>(outcome);
        Assert.Equal(RetryReason.CapacityExhausted, retry.Reason);
        Assert.Equal(TimeSpan.FromSeconds(12), retry.RetryAfter);
        Assert.Equal("temporarily_unavailable", retry.Error.Code);
    }

    [Theory]
    [InlineData(500, RetryReason.ServerError)]
    [InlineData(502, RetryReason.ServerError)]
    [InlineData(503, RetryReason.ServerError)]
    [InlineData(529, RetryReason.ServerError)]
    [InlineData(408, RetryReason.Timeout)]
    [InlineData(504, RetryReason.Timeout)]
    [InlineData(524, RetryReason.Timeout)]
    public void ClassifyHttpError_TransientStatus_RetriesLaterForThatReason(int status, RetryReason expected)
    {
        // Arrange
        var body = $$$$"""{"error":{"code":{{{{status}}}},"message":"Provider returned error","metadata":{"error_type":"provider_unavailable"}}}""";

        // Act
        var outcome = Classify(status, body, new RetryHints(TimeSpan.FromSeconds(5), null));

        // Assert
        var retry = Assert.IsType<ChatRetryLater>(outcome);
        Assert.Equal(expected, retry.Reason);
        Assert.Equal(TimeSpan.FromSeconds(5), retry.RetryAfter);
        Assert.Equal(status, retry.Error.HttpStatus);
    }

    [Fact]
    public void ClassifyHttpError_CloudflareHtml502_RetriesLaterKeepingTheHtml()
    {
        // Arrange / Act
        var outcome = Classify(502, OpenRouterSamples.CloudflareBadGateway);

        // Assert
        var retry = Assert.IsType<ChatRetryLater>(outcome);
        Assert.Equal(RetryReason.ServerError, retry.Reason);
        Assert.Equal("http_502", retry.Error.Code);
        Assert.Equal(OpenRouterSamples.CloudflareBadGateway, retry.Error.RawBody);
        Assert.Contains("502", retry.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ClassifyHttpError_ServerErrorWithTypedCode_UsesTheTypedCode()
    {
        // Arrange / Act
        var outcome = Classify(500, OpenRouterSamples.InternalServerError);

        // Assert
        var retry = Assert.IsType<ChatRetryLater>(outcome);
        Assert.Equal(RetryReason.ServerError, retry.Reason);
        Assert.Equal("server", retry.Error.Code);
        Assert.Equal("Internal Server Error", retry.Error.Message);
    }

    [Fact]
    public void ClassifyHttpError_EdgeTimeout524_RetriesLaterAsTimeout()
    {
        // Arrange / Act
        var outcome = Classify(524, OpenRouterSamples.EdgeTimeout);

        // Assert
        var retry = Assert.IsType<ChatRetryLater>(outcome);
        Assert.Equal(RetryReason.Timeout, retry.Reason);
        Assert.Equal("Request timed out. Please try again later.", retry.Error.Message);
    }

    [Theory]
    [InlineData(400, OpenRouterSamples.ContextLengthExceeded, "context_length_exceeded")]
    [InlineData(403, OpenRouterSamples.ModerationBlock, "403")]
    [InlineData(404, OpenRouterSamples.NoEndpointsFound, "404")]
    [InlineData(404, OpenRouterSamples.FreeVariantEnded, "free_variant_ended")]
    [InlineData(413, """{"error":{"code":413,"message":"Payload too large","metadata":{"error_type":"payload_too_large"}}}""", "payload_too_large")]
    [InlineData(422, """{"error":{"code":422,"message":"Unprocessable entity","metadata":{"error_type":"unprocessable"}}}""", "unprocessable")]
    public void ClassifyHttpError_RequestRefusedForGood_Fails(int status, string body, string expectedCode)
    {
        // Arrange / Act
        var outcome = Classify(status, body);

        // Assert
        var failed = Assert.IsType<ChatFailed>(outcome);
        Assert.Equal(status, failed.Error.HttpStatus);
        Assert.Equal(expectedCode, failed.Error.Code);
        Assert.Equal(body, failed.Error.RawBody);
    }

    [Fact]
    public void ClassifyHttpError_AvailabilityNotRetryableOn429_FailsDespiteTheStatus()
    {
        // Arrange
        const string body = """{"error":{"code":429,"message":"No allowed providers","availability":{"code":"constraint_filtered","retryable":false}}}""";

        // Act
        var outcome = Classify(429, body);

        // Assert
        Assert.Equal("constraint_filtered", Assert.IsType<ChatFailed>(outcome).Error.Code);
    }

    [Theory]
    [InlineData(401, OpenRouterSamples.MissingAuthentication)]
    [InlineData(402, OpenRouterSamples.InsufficientCredits)]
    [InlineData(402, OpenRouterSamples.UpstreamSpendLimit)]
    public void ClassifyHttpError_AccountRefused_IsSystemic(int status, string body)
    {
        // Arrange / Act
        var outcome = Classify(status, body);

        // Assert
        var systemic = Assert.IsType<ChatSystemicFailure>(outcome);
        Assert.Equal(status, systemic.Error.HttpStatus);
        Assert.False(string.IsNullOrWhiteSpace(systemic.Error.Message));
    }

    [Fact]
    public void ClassifyHttpError_HugeBody_KeepsAt32000Characters()
    {
        // Arrange
        var body = $$$$"""{"error":{"code":500,"message":"{{{{new string('x', 50_000)}}}}"}}""";

        // Act
        var outcome = Classify(500, body);

        // Assert
        var retry = Assert.IsType<ChatRetryLater>(outcome);
        Assert.Equal(32_000, retry.Error.RawBody!.Length);
        Assert.StartsWith("""{"error":{"code":500""", retry.Error.RawBody, StringComparison.Ordinal);
    }

    [Fact]
    public void ClassifyInBandError_DocumentedMidStreamChunk_RetriesLaterAsTheProvidersRateLimit()
    {
        // Arrange: a 429 inside a stream that had begun; OpenRouter checks the account's limits before any response.
        var error = InBandError(OpenRouterSamples.MidStreamErrorChunk);

        // Act
        var retry = Assert.IsType<ChatRetryLater>(OpenRouterErrorClassifier.ClassifyInBandError(error, OpenRouterSamples.MidStreamErrorChunk, "OpenAI"));

        // Assert
        Assert.Equal(RetryReason.UpstreamRateLimited, retry.Reason);
        Assert.Equal(200, retry.Error.HttpStatus);
        Assert.Equal("rate_limit_exceeded", retry.Error.Code);
        Assert.Equal("Rate limit exceeded", retry.Error.Message);
        Assert.Equal("OpenAI", retry.Error.ProviderName);
        Assert.Equal(OpenRouterSamples.MidStreamErrorChunk, retry.Error.RawBody);
    }

    [Fact]
    public void ClassifyInBandError_StringCode_ReadsTheCodeLeniently()
    {
        // Arrange
        var error = InBandError(OpenRouterSamples.MidStreamErrorChunkWithStringCode);

        // Act
        var retry = Assert.IsType<ChatRetryLater>(OpenRouterErrorClassifier.ClassifyInBandError(error, OpenRouterSamples.MidStreamErrorChunkWithStringCode, null));

        // Assert
        Assert.Equal(RetryReason.MidStreamError, retry.Reason);
        Assert.Equal("server_error", retry.Error.Code);
        Assert.Equal("Provider disconnected unexpectedly", retry.Error.Message);
    }

    [Theory]
    [InlineData("""{"error":{"code":400,"message":"Token limit reached"}}""", typeof(ChatFailed), null)]
    [InlineData("""{"error":{"code":"400","message":"Bad request"}}""", typeof(ChatFailed), null)]
    [InlineData("""{"error":{"code":403,"message":"Request blocked by moderation"}}""", typeof(ChatFailed), null)]
    [InlineData("""{"error":{"code":404,"message":"No endpoints found"}}""", typeof(ChatFailed), null)]
    [InlineData("""{"error":{"code":401,"message":"User not found"}}""", typeof(ChatSystemicFailure), null)]
    [InlineData("""{"error":{"code":402,"message":"Insufficient credits"}}""", typeof(ChatSystemicFailure), null)]
    [InlineData("""{"error":{"code":502,"message":"Provider disconnected mid-stream"}}""", typeof(ChatRetryLater), RetryReason.MidStreamError)]
    [InlineData("""{"error":{"code":524,"message":"Request timed out"}}""", typeof(ChatRetryLater), RetryReason.Timeout)]
    [InlineData("""{"error":{"code":429,"message":"Rate limit exceeded: free-models-per-day. Add 10 credits"}}""", typeof(ChatRetryLater), RetryReason.RateLimitedPerDay)]
    [InlineData("""{"error":{"code":"server_error","message":"Provider disconnected unexpectedly"}}""", typeof(ChatRetryLater), RetryReason.MidStreamError)]
    [InlineData("""{"error":{"message":"no code at all"}}""", typeof(ChatRetryLater), RetryReason.MidStreamError)]
    public void ClassifyInBandError_Code_IsClassifiedByTheSameTableAsAnHttpStatus(string body, Type expected, RetryReason? reason)
    {
        // Arrange
        var error = InBandError(body);

        // Act
        var outcome = OpenRouterErrorClassifier.ClassifyInBandError(error, body, null);

        // Assert
        Assert.IsType(expected, outcome);
        if (reason is not null)
        {
            Assert.Equal(reason, ((ChatRetryLater)outcome).Reason);
        }
    }

    [Fact]
    public void RetryHints_RetryAfterInSeconds_IsReadAsADelay()
    {
        // Arrange
        using var response = Responses.Json(HttpStatusCode.TooManyRequests, "{}", ("Retry-After", "60"));

        // Act
        var hints = RetryHints.From(response.Headers, PerMinuteReset);

        // Assert
        Assert.Equal(TimeSpan.FromSeconds(60), hints.RetryAfter);
        Assert.Null(hints.RateLimit);
    }

    [Fact]
    public void RetryHints_RetryAfterAsHttpDate_IsMeasuredFromNow()
    {
        // Arrange
        var now = new DateTimeOffset(2026, 3, 20, 22, 52, 30, TimeSpan.Zero);
        using var response = Responses.Json(HttpStatusCode.ServiceUnavailable, "{}", ("Retry-After", "Fri, 20 Mar 2026 22:53:00 GMT"));

        // Act
        var hints = RetryHints.From(response.Headers, now);

        // Assert
        Assert.Equal(TimeSpan.FromSeconds(30), hints.RetryAfter);
    }

    [Fact]
    public void RetryHints_RateLimitHeaders_AreParsed()
    {
        // Arrange
        using var response = Responses.Json(
            HttpStatusCode.TooManyRequests, "{}", ("X-RateLimit-Limit", "20"), ("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", "1774047180000"));

        // Act
        var hints = RetryHints.From(response.Headers, PerMinuteReset);

        // Assert
        Assert.Equal(new RateLimitInfo(20, 0, PerMinuteReset), hints.RateLimit);
        Assert.Null(hints.RetryAfter);
    }

    [Theory]
    [InlineData("1774047180000")]
    [InlineData("1774047180")]
    public void ParseReset_EpochInMillisecondsOrSeconds_GivesTheSameInstant(string value)
    {
        // Arrange / Act
        var resetsAt = RateLimitHeaders.ParseReset(value);

        // Assert
        Assert.Equal(PerMinuteReset, resetsAt);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("-5")]
    public void ParseReset_UnusableValue_IsNull(string? value)
    {
        // Arrange / Act
        var resetsAt = RateLimitHeaders.ParseReset(value);

        // Assert
        Assert.Null(resetsAt);
    }

    private static ChatOutcome Classify(int status, string body, RetryHints? hints = null) =>
        OpenRouterErrorClassifier.ClassifyHttpError(status, OpenRouterErrorPayload.FromBody(body), body, hints ?? RetryHints.None);

    private static OpenRouterErrorPayload InBandError(string chunk)
    {
        using var document = JsonDocument.Parse(chunk);
        Assert.True(OpenRouterErrorPayload.TryFindError(document.RootElement, out var error));
        return OpenRouterErrorPayload.FromError(error);
    }
}
