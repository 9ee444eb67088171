using System.Net.Mime;

namespace PromptQueue.Simulator;

/// <summary>Answers a non-streaming request with one <c>chat.completion</c> object, applying the scripted faults that make sense there.</summary>
internal static class JsonCompletionWriter
{
    public static async Task WriteAsync(HttpContext context, CompletionPlan plan, Pacing pacing, CancellationToken ct)
    {
        var directives = plan.Directives;
        if (directives.Hang)
        {
            await pacing.WaitUntilCancelledAsync(ct);
        }

        await pacing.DelayAsync(pacing.FirstTokenDelay, ct);
        // Nothing has been sent yet, so both kinds of drop look the same: no reply at all.
        if (directives.Reset || directives.Abort)
        {
            ConnectionReset.Abort(context);
            return;
        }

        // A provider failure after generation began is reported next to the partial text (OpenRouter's non-streaming skin).
        var failedMidway = directives.Error is ErrorMode.MidStream or ErrorMode.TokenLimit;
        var content = failedMidway ? plan.Answer[..(plan.Answer.Length / 2)] : plan.Answer;
        var json = CompletionShapes.Completion(plan, content, failedMidway).ToJsonString(SimulatorJson.Options);
        if (directives.Malformed)
        {
            json = json[..(json.Length / 2)];
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = MediaTypeNames.Application.Json;
        await context.Response.WriteAsync(json, ct);
    }
}
