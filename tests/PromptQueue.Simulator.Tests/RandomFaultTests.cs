using System.Net;

namespace PromptQueue.Simulator.Tests;

public sealed class RandomFaultTests
{
    [Fact]
    public async Task Post_SameSeedTwice_DrawsTheSameFaultSequence()
    {
        // Arrange
        var options = new SimulatorOptions { ServerErrorRate = 0.5, Seed = 7, RequestsPerMinute = 1000 };

        // Act
        var first = await StatusSequenceAsync(options, 20);
        var second = await StatusSequenceAsync(options, 20);

        // Assert
        Assert.Equal(first, second);
        Assert.Contains(HttpStatusCode.OK, first);
        Assert.Contains(first, s => s is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable);
    }

    [Fact]
    public async Task Post_Upstream429RateOne_AlwaysAnswersWithUpstreamRateLimit()
    {
        // Arrange
        await using var simulator = await OpenRouterSimulator.StartAsync(new SimulatorOptions { Upstream429Rate = 1 });
        using var client = ChatCalls.CreateClient(simulator);

        // Act
        using var response = await ChatCalls.PostAsync(client, ChatCalls.Body("hi", stream: true));

        // Assert
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("Provider returned error", (string?)ChatCalls.ParseObject(await response.Content.ReadAsStringAsync())["error"]!["message"]);
        Assert.Equal(0, simulator.RateLimitedCount);
    }

    [Fact]
    public async Task Post_MidStreamErrorRateOne_BreaksStreamWithErrorChunk()
    {
        // Arrange
        await using var simulator = await OpenRouterSimulator.StartAsync(new SimulatorOptions { MidStreamErrorRate = 1 });
        using var client = ChatCalls.CreateClient(simulator);

        // Act
        var reply = await ChatCalls.StreamAsync(client, "hi");

        // Assert
        Assert.Equal(502, (int)reply.Chunks[^1]["error"]!["code"]!);
        Assert.False(reply.EndsWithDone);
    }

    [Fact]
    public async Task Post_ScriptedDirective_OverridesRandomFault()
    {
        // Arrange
        await using var simulator = await OpenRouterSimulator.StartAsync(new SimulatorOptions { ServerErrorRate = 1 });
        using var client = ChatCalls.CreateClient(simulator);

        // Act
        var reply = await ChatCalls.StreamAsync(client, "hi [[sim:no-done]]");

        // Assert
        Assert.Equal("stop", (string?)StreamedReply.Choice(reply.Chunks[^1])["finish_reason"]);
    }

    private static async Task<List<HttpStatusCode>> StatusSequenceAsync(SimulatorOptions options, int count)
    {
        await using var simulator = await OpenRouterSimulator.StartAsync(options);
        using var client = ChatCalls.CreateClient(simulator);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < count; i++)
        {
            using var response = await ChatCalls.PostAsync(client, ChatCalls.Body($"call {i}", stream: false));
            statuses.Add(response.StatusCode);
        }

        return statuses;
    }
}
