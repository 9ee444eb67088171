using System.Net;

namespace PromptQueue.Simulator.Tests;

public sealed class StatusDirectiveTests(SharedSimulator shared) : IClassFixture<SharedSimulator>
{
    [Theory]
    [InlineData(401, """{"error":{"code":401,"message":"Missing Authentication header"}}""")]
    [InlineData(404, """{"error":{"message":"No endpoints found for openai/gpt-oss-120b:free.","code":404}}""")]
    [InlineData(500, """{"error":{"code":500,"message":"Internal Server Error","metadata":{"error_type":"server"}}}""")]
    [InlineData(502, """{"error":{"code":502,"message":"Provider returned error","metadata":{"error_type":"provider_unavailable","provider_name":"OpenInference"}}}""")]
    [InlineData(418, """{"error":{"code":418,"message":"Simulated error 418"}}""")]
    public async Task Post_StatusDirective_RepliesWithThatStatusAndOpenRouterErrorBody(int status, string expectedBody)
    {
        // Arrange
        using var client = shared.CreateClient();

        // Act
        using var response = await ChatCalls.PostAsync(client, ChatCalls.Body($"Q [[sim:status={status}]]", stream: true));

        // Assert
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(expectedBody, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Post_Status402Directive_ExplainsMissingCredits()
    {
        // Arrange
        using var client = shared.CreateClient();

        // Act
        using var response = await ChatCalls.PostAsync(client, ChatCalls.Body("Q [[sim:status=402]]", stream: false));

        // Assert
        Assert.Equal(HttpStatusCode.PaymentRequired, response.StatusCode);
        var error = ChatCalls.ParseObject(await response.Content.ReadAsStringAsync())["error"]!;
        Assert.Equal(402, (int)error["code"]!);
        Assert.Contains("requires more credits", (string?)error["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_Status503Directive_AddsRetryAfterHeader()
    {
        // Arrange
        using var client = shared.CreateClient();

        // Act
        using var response = await ChatCalls.PostAsync(client, ChatCalls.Body("Q [[sim:status=503]]", stream: true));

        // Assert
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(2), response.Headers.RetryAfter?.Delta);
        Assert.Equal("provider_overloaded", (string?)ChatCalls.ParseObject(await response.Content.ReadAsStringAsync())["error"]!["metadata"]!["error_type"]);
    }

    [Fact]
    public async Task Post_Status429UpstreamDirective_ReturnsProviderRateLimitBody()
    {
        // Arrange
        using var client = shared.CreateClient();

        // Act
        using var response = await ChatCalls.PostAsync(client, ChatCalls.Body("Q [[sim:status=429-upstream]]", stream: true));

        // Assert
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.False(response.Headers.Contains("X-RateLimit-Reset"));
        Assert.Equal(
            """{"error":{"message":"Provider returned error","code":429,"metadata":{"raw":"openai/gpt-oss-120b:free is temporarily rate-limited upstream. Please retry shortly, or add your own key to accumulate your rate limits: https://openrouter.ai/settings/integrations","provider_name":"OpenInference","is_byok":false}},"user_id":"user_sim"}""",
            await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("502-html", 502, "502 Bad Gateway")]
    [InlineData("524-html", 524, "A timeout occurred")]
    public async Task Post_HtmlStatusDirective_SendsCloudflareHtmlPage(string directive, int status, string expectedText)
    {
        // Arrange
        using var client = shared.CreateClient();

        // Act
        using var response = await ChatCalls.PostAsync(client, ChatCalls.Body($"Q [[sim:status={directive}]]", stream: true));

        // Assert
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(expectedText, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_Status429Directive_ReturnsPlatformPerMinuteShapeWithHeaders()
    {
        // Arrange
        using var client = shared.CreateClient();

        // Act
        using var response = await ChatCalls.PostAsync(client, ChatCalls.Body("Q [[sim:status=429]]", stream: true));

        // Assert
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("0", response.Headers.GetValues("X-RateLimit-Remaining").Single());
        var error = ChatCalls.ParseObject(await response.Content.ReadAsStringAsync())["error"]!;
        Assert.Equal("Rate limit exceeded: free-models-per-min. ", (string?)error["message"]);
        Assert.Equal(response.Headers.GetValues("X-RateLimit-Reset").Single(), (string?)error["metadata"]!["headers"]!["X-RateLimit-Reset"]);
    }
}
