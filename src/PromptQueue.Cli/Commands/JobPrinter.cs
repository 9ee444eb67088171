using System.Text.Json;
using PromptQueue.Core.Storage;
using PromptQueue.Core.Submission;

namespace PromptQueue.Cli.Commands;

/// <summary>Formats jobs for the terminal.</summary>
internal static class JobPrinter
{
    private const int SummaryReasoningChars = 600;

    /// <summary>Indented, with text kept readable (see <see cref="Contracts.ContractJson"/>): 'für', not '\u00FC'.</summary>
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Header, the start of the reasoning and the whole answer: what <c>promptq run</c> shows per job.</summary>
    /// <param name="result">The stored job.</param>
    /// <param name="output">Where to print.</param>
    /// <param name="name">The name it was given in the file (its <c>id</c> or <c>custom_id</c>), shown beside its id.</param>
    public static async Task PrintSummaryAsync(JobResult result, TextWriter output, string? name = null)
    {
        await PrintHeaderAsync(result.Record, output, name);
        if (result.Reasoning is { } reasoning)
        {
            var shown = reasoning.Length > SummaryReasoningChars ? reasoning[..SummaryReasoningChars] + " …" : reasoning;
            await output.WriteLineAsync($"Reasoning ({reasoning.Length:N0} characters{(reasoning.Length > SummaryReasoningChars ? $"; all of it: promptq show {result.Record.JobId}" : "")}):");
            await output.WriteLineAsync(Indent(shown));
        }

        await PrintAnswerAsync(result, output);
    }

    /// <summary>Everything: what <c>promptq show</c> prints.</summary>
    public static async Task PrintFullAsync(JobResult result, TextWriter output)
    {
        var record = result.Record;
        await PrintHeaderAsync(record, output);
        await output.WriteLineAsync($"Queued {record.QueuedAt:u}  started {record.StartedAt:u}  finished {record.CompletedAt:u}  attempts {record.Attempts}  source {record.Source}");
        if (record.Status == Contracts.JobStatus.Waiting)
        {
            await output.WriteLineAsync($"Waiting until {record.NextAttemptAt:u} ({record.WaitReason})");
        }

        if (result.Reasoning is { } reasoning)
        {
            await output.WriteLineAsync($"Reasoning ({reasoning.Length:N0} characters):");
            await output.WriteLineAsync(Indent(reasoning));
        }

        if (result.ReasoningDetails is { } details)
        {
            // As stored, byte for byte: this is what a continuation sends the provider back.
            await output.WriteLineAsync("reasoning_details:");
            await output.WriteLineAsync(Indent(details));
        }

        if (result.ToolCalls is { } toolCalls)
        {
            await output.WriteLineAsync("Tool calls:");
            await output.WriteLineAsync(Indent(Pretty(toolCalls)));
        }

        await PrintAnswerAsync(result, output);
        if (result.Payload is { } payload)
        {
            await output.WriteLineAsync("Payload as received:");
            await output.WriteLineAsync(Indent(payload));
        }
    }

    private static async Task PrintHeaderAsync(JobRecord record, TextWriter output, string? name = null)
    {
        await output.WriteLineAsync();
        await output.WriteLineAsync(Header(name is null ? record.JobId : $"{record.JobId} ({name})", record.Status, record.UsedModel ?? record.RequestedModel, record.Provider, record.TotalTokens, record.ReasoningTokens, record.Cost));
        if (record.ErrorMessage is not null)
        {
            await output.WriteLineAsync(ErrorLine(record.ErrorHttpStatus, record.ErrorCode, record.ErrorMessage));
        }
    }

    /// <summary>The first line of a job, the same whether read from storage (<c>show</c>) or over HTTP (<c>status</c>).</summary>
    internal static string Header(string jobId, Contracts.JobStatus status, string? model, string? provider, int? totalTokens, int? reasoningTokens, double? cost)
    {
        var via = provider is null ? "" : $" via {provider}";
        var usage = totalTokens is null ? "" : $"  {totalTokens} tokens ({reasoningTokens ?? 0} reasoning), cost {cost ?? 0:0.######}";
        return $"== {jobId}  {status}  {model}{via}{usage}";
    }

    internal static string ErrorLine(int? httpStatus, string? code, string? message)
    {
        var status = httpStatus is null ? "" : $"HTTP {httpStatus}, ";
        return $"Error ({status}{code}): {message}";
    }

    private static async Task PrintAnswerAsync(JobResult result, TextWriter output)
    {
        if (result.Answer is { } answer)
        {
            await output.WriteLineAsync($"Answer (finish reason {result.Record.FinishReason}):");
            await output.WriteLineAsync(Indent(answer));
        }
    }

    internal static string Pretty(string json)
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

    internal static string Indent(string text) => "  " + text.ReplaceLineEndings(Environment.NewLine + "  ");
}
