using System.Text.Json.Nodes;

namespace PromptQueue.Simulator;

/// <summary>
/// Streams one planned completion as OpenRouter does: keep-alive comments, role chunk, reasoning, content or tool call,
/// finish chunk, separate usage chunk, <c>[DONE]</c>; scripted faults break that sequence at the planned point.
/// </summary>
internal sealed class StreamingCompletionWriter(HttpContext context, CompletionPlan plan, Pacing pacing, CancellationToken ct)
{
    private const string KeepAliveComment = "OPENROUTER PROCESSING";
    private const int MaxFragmentLength = 4000;
    private const int MinFragmentLength = 16;
    private const int ToolArgumentFragments = 3;

    private SseWriter? _sse;
    private int _chunksWritten;

    private SseWriter Sse => _sse ?? throw new InvalidOperationException("The stream has not started.");

    public async Task WriteAsync()
    {
        // Start the first-token timer before the comments go out: a test that has seen them knows the timer exists.
        var firstTokenDue = pacing.DelayAsync(pacing.FirstTokenDelay, ct);
        _sse = await SseWriter.StartAsync(context.Response, ct);
        for (var i = 0; i < pacing.KeepAliveComments; i++)
        {
            await Sse.WriteCommentAsync(KeepAliveComment);
        }

        if (plan.Directives.Hang)
        {
            await pacing.WaitUntilCancelledAsync(ct);
        }

        await firstTokenDue;
        await WriteDeltaAsync(CompletionShapes.RoleDelta());
        await WriteReasoningAsync();
        if (await WriteBodyAsync() == BodyOutcome.Ended)
        {
            return;
        }

        await WriteDeltaAsync(CompletionShapes.FinishDelta(), plan.FinishReason);
        if (plan.Directives.NoDone)
        {
            return;
        }

        await WriteChunkAsync(CompletionShapes.UsageChunk(plan));
        await Sse.WriteDoneAsync();
    }

    private enum BodyOutcome
    {
        Continue,
        Ended,
    }

    /// <summary>Fragments of at most 4000 characters, yet several fragments even for a short text, like a real token stream.</summary>
    private static List<string> Fragments(string text) =>
        SyntheticText.Split(text, Math.Clamp(text.Length / 8, MinFragmentLength, MaxFragmentLength));

    private async Task WriteReasoningAsync()
    {
        foreach (var fragment in Fragments(plan.Reasoning))
        {
            await WriteDeltaAsync(CompletionShapes.ReasoningDelta(fragment));
        }

        // Each extra detail travels whole in a chunk of its own, as opaque items do on the real API.
        foreach (var extra in CompletionShapes.ExtraDetails(plan))
        {
            await WriteDeltaAsync(CompletionShapes.DetailDelta(extra));
        }
    }

    /// <summary>Writes the answer (or tool call), injecting the scripted interruption halfway through.</summary>
    private async Task<BodyOutcome> WriteBodyAsync()
    {
        var deltas = BodyDeltas();
        var half = (deltas.Count + 1) / 2;
        foreach (var delta in deltas.Take(half))
        {
            await WriteDeltaAsync(delta);
        }

        if (await InterruptAsync() == BodyOutcome.Ended)
        {
            return BodyOutcome.Ended;
        }

        foreach (var delta in deltas.Skip(half))
        {
            await WriteDeltaAsync(delta);
        }

        return BodyOutcome.Continue;
    }

    private List<JsonObject> BodyDeltas()
    {
        if (plan.ToolCall is not { } call)
        {
            return Fragments(plan.Answer).Select(CompletionShapes.ContentDelta).ToList();
        }

        var argumentFragmentLength = Math.Max(1, (call.Arguments.Length + ToolArgumentFragments - 1) / ToolArgumentFragments);
        var deltas = new List<JsonObject> { CompletionShapes.ToolCallStartDelta(call) };
        deltas.AddRange(SyntheticText.Split(call.Arguments, argumentFragmentLength).Select(CompletionShapes.ToolCallArgumentsDelta));
        return deltas;
    }

    private async Task<BodyOutcome> InterruptAsync()
    {
        var directives = plan.Directives;
        if (directives.Error == ErrorMode.MidStream)
        {
            await WriteChunkAsync(CompletionShapes.MidStreamErrorChunk(plan));
            return BodyOutcome.Ended;
        }

        if (directives.Error == ErrorMode.TokenLimit)
        {
            await WriteChunkAsync(CompletionShapes.TokenLimitErrorChunk(plan));
            return BodyOutcome.Ended;
        }

        if (directives.Reset)
        {
            throw ConnectionReset.TruncateStartedResponse();
        }

        if (directives.Abort)
        {
            ConnectionReset.Abort(context);
            return BodyOutcome.Ended;
        }

        if (directives.Malformed)
        {
            // Cut-off JSON, as a proxy that truncates a line would produce; the stream then carries on normally.
            await Sse.WriteRawDataAsync($"{{\"id\":\"{plan.Id}\",\"object\":\"chat.completion.chunk\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"trunc");
        }

        return BodyOutcome.Continue;
    }

    private Task WriteDeltaAsync(JsonObject delta, string? finishReason = null) =>
        WriteChunkAsync(CompletionShapes.Chunk(plan, delta, finishReason));

    private async Task WriteChunkAsync(JsonObject chunk)
    {
        if (_chunksWritten++ > 0)
        {
            await pacing.DelayAsync(pacing.ChunkDelay, ct);
        }

        await Sse.WriteJsonAsync(chunk);
    }
}
