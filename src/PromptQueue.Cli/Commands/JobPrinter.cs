using System.Text.Json;
using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;

namespace PromptQueue.Cli.Commands;

/// <summary>
/// Formats jobs for the terminal, over the one view the API serves (<see cref="JobView"/>): a job read from storage
/// (<c>show</c>, <c>run</c>) is turned into that view first, so every command prints a job the same way.
/// </summary>
internal static class JobPrinter
{
    private const int PreviewChars = 600;

    /// <summary>Indented, with text kept readable (see <see cref="ContractJson"/>): 'für', not '\u00FC'.</summary>
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly JsonSerializerOptions IndentedContract = new(ContractJson.Options) { WriteIndented = true };

    /// <summary>The JobView as the API sends it, indented: what <c>status --json</c> prints.</summary>
    public static Task PrintJsonAsync(JobView view, TextWriter output) =>
        output.WriteLineAsync(JsonSerializer.Serialize(view, IndentedContract));

    /// <summary>Where a summary over the API points for the rest: the whole view as JSON.</summary>
    public static string JsonHint(JobView view) => $"promptq status {view.Id} --json";

    /// <summary>One line for a live display: status, attempts and why a waiting job waits.</summary>
    public static string StatusLine(JobView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        var waiting = view is { Status: JobStatus.Waiting, NextAttemptAt: { } next } ? $" until {next:HH:mm:ss} UTC ({view.WaitReason})" : "";
        return $"{view.Id}: {view.Status}{waiting}, {view.Attempts} attempt(s)";
    }

    /// <summary>
    /// The header, the start of the reasoning (when given) and the start of the answer: what <c>run</c> prints per job,
    /// and <c>status</c> and <c>watch</c> print for one.
    /// </summary>
    /// <param name="view">The job.</param>
    /// <param name="output">Where to print.</param>
    /// <param name="moreHint">Where to read the rest of a long answer or trace, such as <c>promptq show ID</c>.</param>
    /// <param name="name">The name it was given in a file (its <c>id</c> or <c>custom_id</c>), shown beside its id.</param>
    /// <param name="reasoning">The reasoning text, when the caller has it.</param>
    /// <param name="wholeAnswer">Print the whole answer, as <c>run</c> does for every job it ran; else its start.</param>
    public static async Task PrintSummaryAsync(JobView view, TextWriter output, string moreHint, string? name = null, string? reasoning = null, bool wholeAnswer = false)
    {
        ArgumentNullException.ThrowIfNull(view);
        await PrintHeaderAsync(view, output, name);
        if (reasoning is not null)
        {
            var cut = reasoning.Length > PreviewChars;
            await output.WriteLineAsync($"Reasoning ({reasoning.Length:N0} characters{(cut ? $"; all of it: {moreHint}" : "")}):");
            await output.WriteLineAsync(Indent(cut ? reasoning[..PreviewChars] + " …" : reasoning));
        }

        if (view.Answer is { } answer)
        {
            var cut = !wholeAnswer && answer.Length > PreviewChars;
            await output.WriteLineAsync($"Answer (finish reason {view.FinishReason}{(cut ? $"; {answer.Length:N0} characters, all of it: {moreHint}" : "")}):");
            await output.WriteLineAsync(Indent(cut ? answer[..PreviewChars] + " …" : answer));
        }
    }

    /// <summary>Everything, the whole reasoning trace included: what <c>show</c> and <c>submit --wait</c> print.</summary>
    /// <param name="view">The job.</param>
    /// <param name="reasoning">Its reasoning text, if any.</param>
    /// <param name="reasoningDetails">Its <c>reasoning_details</c> as stored, if any.</param>
    /// <param name="detailsAsStored">
    /// Print <paramref name="reasoningDetails"/> byte for byte, as <c>show</c> does: it is what a continuation sends the
    /// provider back. Otherwise it is indented to be read.
    /// </param>
    /// <param name="output">Where to print.</param>
    /// <param name="payload">The payload as received, kept for a job that was rejected or dead-lettered.</param>
    public static async Task PrintFullAsync(JobView view, string? reasoning, string? reasoningDetails, bool detailsAsStored, TextWriter output, string? payload = null)
    {
        ArgumentNullException.ThrowIfNull(view);
        await PrintHeaderAsync(view, output);
        if (reasoning is not null)
        {
            await output.WriteLineAsync($"Reasoning ({reasoning.Length:N0} characters):");
            await output.WriteLineAsync(Indent(reasoning));
        }

        if (reasoningDetails is not null)
        {
            await output.WriteLineAsync("reasoning_details:");
            await output.WriteLineAsync(Indent(detailsAsStored ? reasoningDetails : Pretty(reasoningDetails)));
        }

        if (view.ToolCalls is { } toolCalls)
        {
            await output.WriteLineAsync("Tool calls:");
            await output.WriteLineAsync(Indent(Pretty(toolCalls.GetRawText())));
        }

        if (view.Answer is { } answer)
        {
            await output.WriteLineAsync($"Answer (finish reason {view.FinishReason}):");
            await output.WriteLineAsync(Indent(answer));
        }

        if (payload is not null)
        {
            await output.WriteLineAsync("Payload as received:");
            await output.WriteLineAsync(Indent(payload));
        }
    }

    /// <summary>The job's first lines: id, status, model and usage; its times; why it waits; what went wrong.</summary>
    private static async Task PrintHeaderAsync(JobView view, TextWriter output, string? name = null)
    {
        var via = view.Provider is null ? "" : $" via {view.Provider}";
        var usage = view.Usage?.TotalTokens is null ? "" : $"  {view.Usage.TotalTokens} tokens ({view.Usage.ReasoningTokens ?? 0} reasoning), cost {view.Cost ?? 0:0.######}";
        await output.WriteLineAsync($"== {(name is null ? view.Id : $"{view.Id} ({name})")}  {view.Status}  {view.UsedModel ?? view.Model}{via}{usage}");
        await output.WriteLineAsync($"Queued {view.QueuedAt:u}  started {view.StartedAt:u}  finished {view.CompletedAt:u}  attempts {view.Attempts}  source {view.Source}");
        if (view.Status == JobStatus.Waiting)
        {
            await output.WriteLineAsync($"Waiting until {view.NextAttemptAt:u} ({view.WaitReason})");
        }

        if (view.Error is { } error)
        {
            var status = error.HttpStatus is null ? "" : $"HTTP {error.HttpStatus}, ";
            await output.WriteLineAsync($"Error ({status}{error.Code}): {error.Message}");
        }
    }

    private static string Pretty(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return JsonSerializer.Serialize(document.RootElement, Indented);
        }
        catch (JsonException)
        {
            return json;
        }
    }

    private static string Indent(string text) => "  " + text.ReplaceLineEndings(Environment.NewLine + "  ");
}
