using Microsoft.Extensions.DependencyInjection;
using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;
using PromptQueue.Core.Listing;
using PromptQueue.Core.Storage;
using PromptQueue.Core.Submission;

namespace PromptQueue.Cli.Commands;

/// <summary><c>promptq show ID</c>: prints one job in full, including its whole reasoning trace.</summary>
public static class ShowCommand
{
    public static async Task<int> ExecuteAsync(IServiceProvider services, string jobId, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(errors);
        var results = services.GetRequiredService<JobResults>();
        var result = PromptJobReader.IsValidJobId(jobId) ? await results.GetAsync(jobId, cancellationToken) : null;
        if (result is null)
        {
            // Not an id: the name a job was given in a file (its id or custom_id), looked up in the index of jobs.
            var named = await FindByNameAsync(services.GetRequiredService<JobListing>(), jobId, services.GetRequiredService<TimeProvider>().GetUtcNow(), cancellationToken);
            if (named.Count > 1)
            {
                // A file run twice names two jobs alike: the newest is the one a user means, as with 'git show'.
                await errors.WriteLineAsync($"promptq: {named.Count} jobs are named '{jobId}'; showing the newest, {named[0].Id}. The others: {string.Join(", ", named.Skip(1).Select(j => j.Id))}.");
            }

            result = named.Count > 0 ? await results.GetAsync(named[0].Id, cancellationToken) : null;
        }

        if (result is null)
        {
            await errors.WriteLineAsync($"promptq: no job '{jobId}' in this storage account (looked for as an id, and as a name among the jobs of the last {NameWindow.TotalDays:0} days).");
            return Promptq.ExitUsage;
        }

        await JobPrinter.PrintFullAsync(JobViews.From(result.Record, result.Answer, result.ToolCalls), result.Reasoning, result.ReasoningDetails, detailsAsStored: true, output, result.Payload);
        return Promptq.ExitOk;
    }

    /// <summary>How far back a name is looked for: the index is by day, so this bounds the partitions read.</summary>
    private static readonly TimeSpan NameWindow = TimeSpan.FromDays(30);

    /// <summary>The jobs of that name, newest first; storage filters the index rows by name, so only matches come back.</summary>
    private static async Task<List<JobListItem>> FindByNameAsync(JobListing listing, string name, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var found = new List<JobListItem>();
        var query = new JobListQuery { Since = now - NameWindow, Name = name, Top = ListLimits.MaxTop };
        while (true)
        {
            var result = await listing.ListAsync(query, cancellationToken);
            found.AddRange(result.Items);
            if (result.Continuation is null || !IndexCursor.TryDecode(result.Continuation, out var next))
            {
                return found;
            }

            query = query with { Continuation = next };
        }
    }
}
