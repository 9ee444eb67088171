using System.Text.Json;
using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;

namespace PromptQueue.Cli.Commands;

/// <summary>Formats jobs read over the HTTP API, in the same layout as <see cref="JobPrinter"/> prints stored ones.</summary>
internal static class JobViewPrinter
{
    private const int PreviewChars = 600;

    private static readonly JsonSerializerOptions IndentedContract = new(ContractJson.Options) { WriteIndented = true };

    /// <summary>The JobView as the API sent it, indented: what <c>status --json</c> prints.</summary>
    public static Task PrintJsonAsync(JobView view, TextWriter output) =>
        output.WriteLineAsync(JsonSerializer.Serialize(view, IndentedContract));

    /// <summary>One line for a live display: status, attempts and why a waiting job waits.</summary>
    public static string StatusLine(JobView view)
    {
        var waiting = view is { Status: JobStatus.Waiting, NextAttemptAt: { } next } ? $" until {next:HH:mm:ss} UTC ({view.WaitReason})" : "";
        return $"{view.Id}: {view.Status}{waiting}, {view.Attempts} attempt(s)";
    }

    /// <summary>Header, times, error and the start of the answer: what <c>status</c> and <c>watch</c> print.</summary>
    public static async Task PrintSummaryAsync(JobView view, TextWriter output)
    {
        await PrintHeaderAsync(view, output);
        if (view.Answer is { } answer)
        {
            var cut = answer.Length > PreviewChars;
            await output.WriteLineAsync($"Answer (finish reason {view.FinishReason}{(cut ? $"; {answer.Length:N0} characters, all of it with --json" : "")}):");
            await output.WriteLineAsync(JobPrinter.Indent(cut ? answer[..PreviewChars] + " …" : answer));
        }
    }

    /// <summary>Everything, reasoning trace included: what <c>submit --wait</c> prints.</summary>
    public static async Task PrintFullAsync(JobView view, JobReasoning? trace, TextWriter output)
    {
        await PrintHeaderAsync(view, output);
        if (trace?.Reasoning is { } reasoning)
        {
            await output.WriteLineAsync($"Reasoning ({reasoning.Length:N0} characters):");
            await output.WriteLineAsync(JobPrinter.Indent(reasoning));
        }

        if (trace?.ReasoningDetails is { } details)
        {
            await output.WriteLineAsync("reasoning_details:");
            await output.WriteLineAsync(JobPrinter.Indent(JobPrinter.Pretty(details.GetRawText())));
        }

        if (view.ToolCalls is { } toolCalls)
        {
            await output.WriteLineAsync("Tool calls:");
            await output.WriteLineAsync(JobPrinter.Indent(JobPrinter.Pretty(toolCalls.GetRawText())));
        }

        if (view.Answer is { } answer)
        {
            await output.WriteLineAsync($"Answer (finish reason {view.FinishReason}):");
            await output.WriteLineAsync(JobPrinter.Indent(answer));
        }
    }

    private static async Task PrintHeaderAsync(JobView view, TextWriter output)
    {
        await output.WriteLineAsync(JobPrinter.Header(view.Id, view.Status, view.UsedModel ?? view.Model, view.Provider, view.Usage?.TotalTokens, view.Usage?.ReasoningTokens, view.Cost));
        await output.WriteLineAsync($"Queued {view.QueuedAt:u}  started {view.StartedAt:u}  finished {view.CompletedAt:u}  attempts {view.Attempts}  source {view.Source}");
        if (view is { Status: JobStatus.Waiting })
        {
            await output.WriteLineAsync($"Waiting until {view.NextAttemptAt:u} ({view.WaitReason})");
        }

        if (view.Error is { } error)
        {
            await output.WriteLineAsync(JobPrinter.ErrorLine(error.HttpStatus, error.Code, error.Message));
        }
    }
}
