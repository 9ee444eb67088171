using PromptQueue.Client;
using PromptQueue.Contracts;

namespace PromptQueue.Cli.Commands;

/// <summary><c>promptq submit FILE.json|-</c>: submits one job over HTTP and prints its id; with <c>--wait</c>, its answer and reasoning too.</summary>
public static class SubmitCommand
{
    public static async Task<int> ExecuteAsync(PromptQueueClient client, ApiArguments arguments, Stream input, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);

        // Bytes, not text: a text reader would replace bytes that are not UTF-8 with U+FFFD, and the server would
        // run a prompt nobody wrote instead of refusing the one that was sent.
        byte[] json;
        if (arguments.Target == "-")
        {
            using var buffer = new MemoryStream();
            await input.CopyToAsync(buffer, cancellationToken);
            json = buffer.ToArray();
        }
        else
        {
            json = await File.ReadAllBytesAsync(arguments.Target, cancellationToken);
        }

        // The server checks the job and answers with every field error; checking here too would only repeat it.
        var accepted = await client.SubmitJsonAsync(json, cancellationToken: cancellationToken);
        await output.WriteLineAsync(accepted.Id);
        if (!arguments.Wait)
        {
            return Promptq.ExitOk;
        }

        var view = await client.WaitForCompletionAsync(accepted.Id, Timeout.InfiniteTimeSpan, cancellationToken: cancellationToken);
        var trace = view.HasReasoning ? await client.GetReasoningAsync(view.Id, cancellationToken) : null;
        await JobPrinter.PrintFullAsync(view, trace?.Reasoning, trace?.ReasoningDetails?.GetRawText(), detailsAsStored: false, output);
        return view.Status == JobStatus.Completed ? Promptq.ExitOk : Promptq.ExitJobsFailed;
    }
}
