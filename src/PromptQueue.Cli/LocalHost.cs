using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PromptQueue.Cli.Commands;
using PromptQueue.Cli.Local;
using PromptQueue.Core;
using PromptQueue.Hosting;
using PromptQueue.Hosting.Worker;
using PromptQueue.Http;

namespace PromptQueue.Cli;

/// <summary>What a command that works on storage needs from the local environment.</summary>
/// <param name="NeedsModel">It calls the model (run, work, serve): decide between OpenRouter and the simulator.</param>
/// <param name="DataOnStandardOutput">Standard output carries data (a batch id, JSONL, JSON): logs go to standard error.</param>
/// <param name="Serve">Serve the HTTP API too, with these arguments.</param>
/// <param name="Workers">
/// It works the queue (run, work, serve): who starts the standalone worker. Null for every other command, whose host
/// then takes no job off the queue.
/// </param>
public sealed record LocalUse(bool NeedsModel, bool DataOnStandardOutput, ServeArguments? Serve = null, WorkerStart? Workers = null);

/// <summary>
/// Runs a command in-process on the configured storage: prepares what a fresh clone lacks (Azurite, the simulator),
/// builds the app's host (with Kestrel in front for <c>serve</c>), runs the command, and stops everything again.
/// </summary>
public static class LocalHost
{
    public static async Task<int> RunAsync(
        PromptqContext context,
        LocalUse use,
        Func<IHost, CancellationToken, Task<int>> command,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(use);
        ArgumentNullException.ThrowIfNull(command);
        var errors = context.Console.Errors;

        // serve is the same app with Kestrel in front: one builder type or the other, configured alike.
        IHostApplicationBuilder builder = use.Serve is null
            ? Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = false, Args = [] })
            : ServeCommand.CreateBuilder();
        builder.Logging.SetMinimumLevel(context.Verbose ? LogLevel.Information : LogLevel.Warning);
        if (!context.Verbose)
        {
            // Azure SDK request logs would bury the progress display; a failed start is told in one line by promptq.
            builder.Logging.AddFilter("Azure", LogLevel.Error);
            builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        }

        var (serveSettings, refusal) = use.Serve is null ? (null, null) : ServeCommand.Resolve(use.Serve, builder.Configuration);
        if (refusal is not null)
        {
            await errors.WriteLineAsync($"promptq: {refusal}");
            return Promptq.ExitUsage;
        }

        if (use.DataOnStandardOutput)
        {
            builder.Logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        }

        await using var local = await LocalEnvironment.PrepareAsync(builder.Configuration, errors, use.NeedsModel, cancellationToken);
        builder.Configuration.AddInMemoryCollection(local.Settings);
        builder.Services.AddPromptQueueCore(builder.Configuration).AddPromptQueueHttpApi();
        builder.Services.AddPromptQueueTelemetry(builder.Configuration, serviceName: "promptq");
        if (use.Workers is { } start)
        {
            builder.Services.AddPromptQueueStandaloneWorker(start);
        }

        using var host = builder is WebApplicationBuilder web ? ServeCommand.Build(web, serveSettings!) : ((HostApplicationBuilder)builder).Build();
        await host.StartAsync(cancellationToken);
        try
        {
            return await command(host, cancellationToken);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }
}
