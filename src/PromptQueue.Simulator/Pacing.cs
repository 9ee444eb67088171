namespace PromptQueue.Simulator;

/// <summary>How fast one response is delivered. All waits go through the <see cref="TimeProvider"/>, so fake clocks control them.</summary>
internal sealed record Pacing(TimeProvider TimeProvider, TimeSpan FirstTokenDelay, TimeSpan ChunkDelay, int KeepAliveComments)
{
    public Task DelayAsync(TimeSpan delay, CancellationToken ct) =>
        delay > TimeSpan.Zero ? Task.Delay(delay, TimeProvider, ct) : Task.CompletedTask;

    /// <summary>Waits for the client to leave (or the simulator to stop); always ends in <see cref="OperationCanceledException"/>.</summary>
    public Task WaitUntilCancelledAsync(CancellationToken ct) => Task.Delay(Timeout.InfiniteTimeSpan, TimeProvider, ct);
}
