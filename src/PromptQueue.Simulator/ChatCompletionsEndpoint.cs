using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace PromptQueue.Simulator;

/// <summary>
/// <c>POST /api/v1/chat/completions</c>: authenticate, validate, apply the account limits, pick faults,
/// then stream or return the planned completion.
/// </summary>
internal sealed class ChatCompletionsEndpoint(
    SimulatorOptions options,
    SimulatedClock clock,
    FreeTierRateLimiter limiter,
    TrafficRecorder recorder,
    FaultDice dice,
    CancellationToken simulatorStopping)
{
    public async Task HandleAsync(HttpContext context)
    {
        // Linked with shutdown so a hanging or slow response cannot hold up disposal of the simulator.
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, simulatorStopping);
        try
        {
            await RespondAsync(context, cancellation.Token);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // The client left or the simulator is stopping: there is nobody left to answer.
        }
    }

    private static async Task<string> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        return await reader.ReadToEndAsync(ct);
    }

    private async Task RespondAsync(HttpContext context, CancellationToken ct)
    {
        var body = await ReadBodyAsync(context.Request, ct);
        recorder.RecordChatRequest(body, context.Request.Headers);
        using var response = await recorder.BeginResponseAsync(ct);
        var created = clock.RealNow.ToUnixTimeSeconds();
        var generationId = CompletionPlan.NewGenerationId(created);
        context.Response.Headers["X-Generation-Id"] = generationId;

        if (!TryAdmit(context.Request, body, out var request, out var directives, out var refusal))
        {
            await refusal.WriteAsync(context.Response, ct);
            return;
        }

        directives = directives.WithRandomFault(dice.Roll());
        if (ScriptedReply(request, directives) is { } scripted)
        {
            await scripted.WriteAsync(context.Response, ct);
            return;
        }

        var plan = CompletionPlan.Create(request, directives, generationId, created);
        var pacing = new Pacing(options.TimeProvider, directives.Latency ?? options.FirstTokenDelay, options.ChunkDelay, options.KeepAliveComments);
        if (request.Stream)
        {
            await new StreamingCompletionWriter(context, plan, pacing, ct).WriteAsync();
        }
        else
        {
            await JsonCompletionWriter.WriteAsync(context, plan, pacing, ct);
        }
    }

    /// <summary>Auth, then validation, then the free-tier limits: a call refused earlier never uses quota.</summary>
    private bool TryAdmit(
        HttpRequest httpRequest,
        string body,
        [NotNullWhen(true)] out SimulatedChatRequest? request,
        [NotNullWhen(true)] out SimDirectives? directives,
        [NotNullWhen(false)] out CannedReply? refusal)
    {
        request = null;
        directives = null;
        refusal = SimulatorKeyCheck.Refusal(httpRequest, options.RequiredApiKey);
        if (refusal is not null)
        {
            return false;
        }

        if (!SimulatedChatRequest.TryParse(body, out request, out var error) || !SimDirectives.TryParse(request.LastUserText, out directives, out error))
        {
            refusal = OpenRouterErrors.BadRequest(error);
            return false;
        }

        if (FreeTierRateLimiter.AppliesTo(request.Model) && !limiter.TryAdmit(out var rejection))
        {
            recorder.RecordRateLimited();
            refusal = OpenRouterErrors.FreeTierLimit(rejection);
            return false;
        }

        recorder.RecordAdmitted();
        return true;
    }

    private CannedReply? ScriptedReply(SimulatedChatRequest request, SimDirectives directives)
    {
        if (directives.Status is { } status)
        {
            return OpenRouterErrors.ForStatus(status, request.Model, limiter);
        }

        return directives.Error == ErrorMode.Bare200 ? OpenRouterErrors.Bare200() : null;
    }
}
