using System.Net;
using System.Net.Http.Headers;

namespace PromptQueue.Simulator.Tests;

public sealed class HostingAndRecordingTests
{
    [Fact]
    public async Task StartAsync_PortZero_ListensOnLoopbackWithApiBaseUrl()
    {
        // Arrange
        await using var simulator = await OpenRouterSimulator.StartAsync();

        // Act
        var baseUrl = simulator.BaseUrl;

        // Assert
        Assert.Equal("127.0.0.1", baseUrl.Host);
        Assert.NotEqual(0, baseUrl.Port);
        Assert.Equal("/api/v1/", baseUrl.AbsolutePath);
    }

    [Fact]
    public async Task StartAsync_InvalidOptions_Throws()
    {
        // Arrange
        var options = new SimulatorOptions { Upstream429Rate = 0.6, HangRate = 0.6 };

        // Act
        var failure = await Record.ExceptionAsync(() => OpenRouterSimulator.StartAsync(options));

        // Assert
        Assert.IsType<ArgumentException>(failure);
    }

    [Fact]
    public async Task Post_RequiredKeyMissing_Returns401MissingAuthentication()
    {
        // Arrange
        await using var simulator = await OpenRouterSimulator.StartAsync(new SimulatorOptions { RequiredApiKey = "sk-or-sim" });
        using var client = ChatCalls.CreateClient(simulator);

        // Act
        using var response = await ChatCalls.PostAsync(client, ChatCalls.Body("hi", stream: true));

        // Assert
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("""{"error":{"code":401,"message":"Missing Authentication header"}}""", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, simulator.AdmittedCount);
    }

    [Fact]
    public async Task Post_RequiredKeyWrong_Returns401AndRightKeyPasses()
    {
        // Arrange
        await using var simulator = await OpenRouterSimulator.StartAsync(new SimulatorOptions { RequiredApiKey = "sk-or-sim" });
        using var client = ChatCalls.CreateClient(simulator);

        // Act
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "sk-or-other");
        using var wrong = await ChatCalls.PostAsync(client, ChatCalls.Body("hi", stream: false));
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "sk-or-sim");
        using var right = await ChatCalls.PostAsync(client, ChatCalls.Body("hi", stream: false));

        // Assert
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
    }

    [Fact]
    public async Task GetKey_RequiredKeyMissing_Returns401()
    {
        // Arrange
        await using var simulator = await OpenRouterSimulator.StartAsync(new SimulatorOptions { RequiredApiKey = "sk-or-sim" });
        using var client = ChatCalls.CreateClient(simulator);

        // Act
        using var response = await client.GetAsync(new Uri("key", UriKind.Relative));

        // Assert
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Post_WithAttributionHeaders_RecordsThemAndTheBody()
    {
        // Arrange
        await using var simulator = await OpenRouterSimulator.StartAsync();
        using var client = ChatCalls.CreateClient(simulator);
        var body = ChatCalls.Body("hi", stream: false);
        using var request = ChatCalls.Request(body);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "sk-or-test");
        request.Headers.Add("HTTP-Referer", "https://promptqueue.example");
        request.Headers.Add("X-Title", "PromptQueue");

        // Act
        using var response = await client.SendAsync(request);

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Bearer sk-or-test", simulator.GetLastChatRequestHeader("authorization"));
        Assert.Equal("https://promptqueue.example", simulator.GetLastChatRequestHeader("HTTP-Referer"));
        Assert.Equal("PromptQueue", simulator.LastChatRequestHeaders["X-Title"]);
        Assert.Equal([body], simulator.ReceivedBodies);
    }

    [Fact]
    public async Task ReceivedBodies_BeyondCapacity_KeepsOnlyTheMostRecent()
    {
        // Arrange
        await using var simulator = await OpenRouterSimulator.StartAsync(new SimulatorOptions { ReceivedBodyCapacity = 3 });
        using var client = ChatCalls.CreateClient(simulator);
        var bodies = Enumerable.Range(1, 5).Select(i => ChatCalls.Body($"message {i}", stream: false, ChatCalls.PaidModel)).ToList();

        // Act
        foreach (var body in bodies)
        {
            using var response = await ChatCalls.PostAsync(client, body);
        }

        // Assert
        Assert.Equal(bodies.Skip(2), simulator.ReceivedBodies);
        Assert.Equal(5, simulator.ChatRequestCount);
    }

    [Fact]
    public async Task Post_ConcurrentCalls_AreAllCounted()
    {
        // Arrange
        await using var simulator = await OpenRouterSimulator.StartAsync(new SimulatorOptions { RequestsPerMinute = 10, RequestsPerDay = 1000 });
        using var client = ChatCalls.CreateClient(simulator);

        // Act
        var responses = await Task.WhenAll(Enumerable.Range(0, 25).Select(i => ChatCalls.PostAsync(client, ChatCalls.Body($"c{i}", stream: true))));

        // Assert
        Assert.Equal(25, simulator.ChatRequestCount);
        Assert.Equal(simulator.AdmittedCount, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(simulator.RateLimitedCount, responses.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests));
        // Even if the burst straddles a minute boundary, one of the two windows fills up.
        Assert.Equal(10, simulator.MaxAdmittedInAnyMinute);
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }
}
