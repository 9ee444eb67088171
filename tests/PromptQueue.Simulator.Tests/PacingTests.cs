using Microsoft.Extensions.Time.Testing;

namespace PromptQueue.Simulator.Tests;

public sealed class PacingTests
{
    private static readonly string[] KeepAliveLines = [": OPENROUTER PROCESSING", string.Empty, ": OPENROUTER PROCESSING", string.Empty];

    [Fact]
    public async Task Stream_LatencyDirective_HoldsFirstChunkUntilClockAdvances()
    {
        // Arrange
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 20, 12, 0, 0, TimeSpan.Zero));
        await using var simulator = await OpenRouterSimulator.StartAsync(new SimulatorOptions { TimeProvider = time });
        using var client = ChatCalls.CreateClient(simulator);
        using var response = await ChatCalls.PostAsync(client, ChatCalls.Body("Q [[sim:latency-ms=5000]]", stream: true));
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var keepAlives = await ReadLinesAsync(reader, KeepAliveLines.Length);

        // Act
        var firstData = reader.ReadLineAsync();
        var pendingBeforeAdvance = !firstData.IsCompleted;
        time.Advance(TimeSpan.FromSeconds(5));
        var line = await firstData;

        // Assert
        Assert.Equal(KeepAliveLines, keepAlives);
        Assert.True(pendingBeforeAdvance, "no chunk may arrive before the latency has passed");
        Assert.StartsWith("data: {", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stream_FirstTokenDelayOption_AppliesToEveryRequest()
    {
        // Arrange
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 20, 12, 0, 0, TimeSpan.Zero));
        await using var simulator = await OpenRouterSimulator.StartAsync(new SimulatorOptions
        {
            TimeProvider = time,
            FirstTokenDelay = TimeSpan.FromSeconds(3),
            KeepAliveComments = 1,
        });
        using var client = ChatCalls.CreateClient(simulator);
        using var response = await ChatCalls.PostAsync(client, ChatCalls.Body("Q", stream: true));
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        await ReadLinesAsync(reader, 2);

        // Act
        var firstData = reader.ReadLineAsync();
        var pendingBeforeAdvance = !firstData.IsCompleted;
        time.Advance(TimeSpan.FromSeconds(3));

        // Assert
        Assert.True(pendingBeforeAdvance);
        Assert.StartsWith("data: {", await firstData, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stream_HangDirective_SendsKeepAlivesThenNothingUntilClientLeaves()
    {
        // Arrange
        await using var simulator = await OpenRouterSimulator.StartAsync();
        using var client = ChatCalls.CreateClient(simulator);
        using var leave = new CancellationTokenSource();
        using var response = await ChatCalls.PostAsync(client, ChatCalls.Body("Q [[sim:hang]]", stream: true), leave.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(leave.Token));
        var keepAlives = await ReadLinesAsync(reader, KeepAliveLines.Length);

        // Act
        var next = reader.ReadLineAsync(leave.Token).AsTask();
        var winner = await Task.WhenAny(next, Task.Delay(TimeSpan.FromMilliseconds(300)));
        await leave.CancelAsync();
        var failure = await Record.ExceptionAsync(() => next);

        // Assert
        Assert.Equal(KeepAliveLines, keepAlives);
        Assert.NotSame(next, winner);
        Assert.IsType<OperationCanceledException>(failure, exactMatch: false);
    }

    [Fact]
    public async Task DisposeAsync_WhileRequestHangs_StopsPromptly()
    {
        // Arrange
        var simulator = await OpenRouterSimulator.StartAsync();
        using var client = ChatCalls.CreateClient(simulator);
        using var response = await ChatCalls.PostAsync(client, ChatCalls.Body("Q [[sim:hang]]", stream: true));
        var started = System.Diagnostics.Stopwatch.StartNew();

        // Act
        await simulator.DisposeAsync();

        // Assert
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(4), $"disposal took {started.Elapsed}");
    }

    private static async Task<List<string>> ReadLinesAsync(StreamReader reader, int count)
    {
        var lines = new List<string>();
        for (var i = 0; i < count; i++)
        {
            lines.Add(await reader.ReadLineAsync() ?? throw new EndOfStreamException());
        }

        return lines;
    }
}
