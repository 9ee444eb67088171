using Microsoft.Extensions.DependencyInjection;
using PromptQueue.Contracts;
using PromptQueue.Core.Submission;

namespace PromptQueue.Cli.Commands;

/// <summary><c>promptq show ID</c>: prints one job in full, including its whole reasoning trace.</summary>
public static class ShowCommand
{
    public static async Task<int> ExecuteAsync(IServiceProvider services, string jobId, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (!PromptJobReader.IsValidJobId(jobId))
        {
            await errors.WriteLineAsync($"promptq: '{jobId}' is not a job id.");
            return Promptq.ExitUsage;
        }

        var result = await services.GetRequiredService<JobResults>().GetAsync(jobId, cancellationToken);
        if (result is null)
        {
            await errors.WriteLineAsync($"promptq: no job '{jobId}' in this storage account.");
            return Promptq.ExitUsage;
        }

        await JobPrinter.PrintFullAsync(result, output);
        return Promptq.ExitOk;
    }
}
