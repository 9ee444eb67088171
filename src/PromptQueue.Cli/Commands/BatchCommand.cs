using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PromptQueue.Contracts;
using PromptQueue.Core.Batches;

namespace PromptQueue.Cli.Commands;

/// <summary><c>promptq batch submit|status|results</c>: bulk work against the configured storage, through Core.</summary>
/// <remarks>Only data goes to standard output (a batch id, a status, JSONL results); every message goes to standard error.</remarks>
public static class BatchCommand
{
    /// <summary>Submits a JSONL or JSON-array file as a batch; prints every problem of a refused one, as FILE:LINE: PATH: MESSAGE.</summary>
    internal static async Task<BatchSubmission?> SubmitFileAsync(IServiceProvider services, string path, BatchSubmitRequest request, TextWriter errors, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            await errors.WriteLineAsync($"promptq: no such file: {path}");
            return null;
        }

        await using var file = File.OpenRead(path);
        var submission = await services.GetRequiredService<BatchSubmitter>().SubmitAsync(file, request, cancellationToken);
        foreach (var problem in submission.Problems)
        {
            var where = problem.Line is { } line ? $"{path}:{line}: {problem.Path}" : $"{path}: {problem.ToValidationError().Path}";
            await errors.WriteLineAsync($"{where}: {problem.Message}");
        }

        if (submission.UnreportedProblems > 0)
        {
            await errors.WriteLineAsync($"{path}: {submission.UnreportedProblems} more problem(s) not listed.");
        }

        if (!submission.Accepted && submission.Refusal is { } refusal)
        {
            await errors.WriteLineAsync($"promptq: {refusal}");
        }

        return submission;
    }

    /// <summary><c>batch submit FILE</c>: prints the batch id on standard output, everything else on standard error.</summary>
    public static async Task<int> SubmitAsync(IServiceProvider services, string path, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(errors);
        var submission = await SubmitFileAsync(services, path, new BatchSubmitRequest(), errors, cancellationToken);
        if (submission?.Header is not { } header)
        {
            return Promptq.ExitUsage;
        }

        await output.WriteLineAsync(header.BatchId);
        await errors.WriteLineAsync(
            $"Submitted batch {header.BatchId} of {header.Items} item(s). It is released at the budget's pace while 'promptq work' or the Functions app runs. " +
            $"Follow it: promptq batch status {header.BatchId}");
        return Promptq.ExitOk;
    }

    /// <summary><c>batch results ID</c>: the batch's results as JSONL, in input order.</summary>
    public static async Task<int> ResultsAsync(IServiceProvider services, string batchId, bool withReasoning, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(output);
        if (await FindAsync(services.GetRequiredService<BatchControl>(), batchId, errors, cancellationToken) is not { } header)
        {
            return Promptq.ExitUsage;
        }

        await foreach (var row in services.GetRequiredService<BatchExporter>().ReadAsync(header, withReasoning, cancellationToken))
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(row.ToLine(), ContractJson.Options));
        }

        return Promptq.ExitOk;
    }

    private static async Task<BatchHeader?> FindAsync(BatchControl control, string batchId, TextWriter errors, CancellationToken cancellationToken)
    {
        var header = batchId.StartsWith("batch-", StringComparison.Ordinal) && PromptJobReader.IsValidJobId(batchId)
            ? await control.FindAsync(batchId, cancellationToken)
            : null;
        if (header is null)
        {
            await errors.WriteLineAsync($"promptq: no batch '{batchId}' in this storage account.");
        }

        return header;
    }
}
