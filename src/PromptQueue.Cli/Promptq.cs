using System.Runtime.InteropServices;
using Azure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PromptQueue.Cli.Commands;
using PromptQueue.Cli.Local;
using PromptQueue.Core;
using PromptQueue.Hosting;

namespace PromptQueue.Cli;

/// <summary>The <c>promptq</c> command line: parses the verb, prepares the local environment, and runs the command.</summary>
public static class Promptq
{
    public const int ExitOk = 0;
    public const int ExitUsage = 64;
    public const int ExitUnavailable = 69;
    public const int ExitJobsFailed = 3;

    /// <summary>The configuration cannot work as it stands (sysexits' EX_CONFIG); the message names the setting.</summary>
    public const int ExitConfig = 78;

    private const string Usage = """
        promptq: PromptQueue's standalone host.

        Usage:
          promptq run FILE.jsonl   Submit each line of FILE as a job, process them all, and print every answer
                                   with its reasoning.
          promptq show ID          Print one job: status, usage, answer, reasoning and reasoning_details.
          promptq work             Process the job queue until Ctrl+C, as the Functions app does.
          promptq serve [--urls URL] [--dev]
                                   Serve the HTTP API (default http://127.0.0.1:7071) and process the job queue
                                   until Ctrl+C: the whole app in one process. Needs PromptQueue__Http__ApiKey,
                                   which callers send in the x-functions-key header; --dev runs without a key,
                                   on loopback addresses only.
          promptq batch submit FILE
                                   Store FILE (JSONL or a JSON array of jobs, each with an optional custom_id) as a
                                   batch; prints its id. 'promptq work' or the Functions app releases it at the
                                   budget's pace.
          promptq batch status ID  Show a batch's progress, counts, usage and estimated completion.
          promptq batch results ID Print a batch's results as JSONL, in input order (messages go to stderr).

        Talking to a running PromptQueue over HTTP (promptq serve or the Functions app; starts nothing locally):
          promptq submit FILE.json|-  [--wait]
                                   Submit one job (- reads standard input) and print its id; --wait waits for it and
                                   prints the answer and reasoning.
          promptq status ID [--json]
                                   Print a job's status, usage, error and answer (--json: the API's JobView).
          promptq watch ID         Show a live status line until the job ends; exit 0 if it completed, 3 if not.
          --url URL                The app's URL (env PROMPTQ_URL; default http://127.0.0.1:7071).
          --key KEY                The function key. Prefer env PROMPTQ_API_KEY: arguments show in process lists
                                   and shell history.

        Configuration (environment variables or appsettings.json):
          OPENROUTER_API_KEY       OpenRouter API key. Without it, the built-in simulator answers, but only when
                                   storage is the local Azurite (or OpenRouter__UseSimulator=true).
          OpenRouter__DefaultModel Model for jobs that name none (default openai/gpt-oss-120b:free).
          AzureWebJobsStorage      Storage connection string. Without it, Azurite is used (and started if needed).
          PromptQueue__Telemetry__Console=true
                                   Print PromptQueue's traces and metrics (OpenTelemetry) on the console.
          OTEL_EXPORTER_OTLP_ENDPOINT
                                   Send them to this OTLP collector as well.
          --verbose                Show the worker's log.
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter errors, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(errors);
        var verbose = args.Contains("--verbose", StringComparer.Ordinal);
        var words = args.Where(a => a != "--verbose").ToArray();
        var overHttp = ApiCommands.Handles(words);
        if (!overHttp && words is not ["run", _] and not ["show", _] and not ["work"] and not ["serve", ..] and not ["batch", "submit" or "status" or "results", _])
        {
            await (words is [] or ["help"] or ["--help"] or ["-h"] ? output : errors).WriteLineAsync(Usage);
            return words is [] or ["help"] or ["--help"] or ["-h"] ? ExitOk : ExitUsage;
        }

        ServeArguments? serve = null;
        if (words[0] == "serve" && (serve = ServeCommand.Parse(words[1..], out var serveError)) is null)
        {
            await errors.WriteLineAsync($"promptq: {serveError}");
            return ExitUsage;
        }

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        Console.CancelKeyPress += onCancel;

        // A container or service manager stops a process with SIGTERM: treat it as Ctrl+C, so work is handed back.
        using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal =>
        {
            signal.Cancel = true;
            cancel.Cancel();
        });
        try
        {
            return overHttp
                ? await ApiCommands.RunAsync(words, Console.OpenStandardInput(), output, errors, Environment.GetEnvironmentVariable, cancel.Token)
                : await ExecuteAsync(words, serve, verbose, output, errors, cancel.Token);
        }
        catch (LocalSetupException ex)
        {
            await errors.WriteLineAsync($"promptq: {ex.Message}");
            return ExitConfig;
        }
        catch (Exception ex) when (Describe(ex) is { } message)
        {
            await errors.WriteLineAsync($"promptq: {message}");
            return ExitUnavailable;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static async Task<int> ExecuteAsync(string[] words, ServeArguments? serve, bool verbose, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        var (verb, argument) = (words[0], words[1..].LastOrDefault() ?? "");

        // serve is the same app with Kestrel in front: one builder type or the other, configured alike.
        IHostApplicationBuilder builder = serve is null
            ? Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = false, Args = [] })
            : ServeCommand.CreateBuilder();
        builder.Logging.SetMinimumLevel(verbose ? LogLevel.Information : LogLevel.Warning);
        if (!verbose)
        {
            // Azure SDK request logs would bury the progress display.
            builder.Logging.AddFilter("Azure", LogLevel.Error);
        }

        var (serveSettings, refusal) = serve is null ? (null, null) : ServeCommand.Resolve(serve, builder.Configuration);
        if (refusal is not null)
        {
            await errors.WriteLineAsync($"promptq: {refusal}");
            return ExitUsage;
        }

        if (verb == "batch")
        {
            // Standard output carries data (JSONL results, a batch id): logs go to standard error.
            builder.Logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        }

        await using var local = await LocalEnvironment.PrepareAsync(builder.Configuration, errors, needsModel: verb is "run" or "work" or "serve", cancellationToken);
        builder.Configuration.AddInMemoryCollection(local.Settings);
        builder.Services.AddPromptQueueCore(builder.Configuration);
        builder.Services.AddPromptQueueTelemetry(builder.Configuration, serviceName: "promptq");
        builder.Services.AddPromptQueueStandaloneWorker();

        using var host = builder is WebApplicationBuilder web ? ServeCommand.Build(web, serveSettings!) : ((HostApplicationBuilder)builder).Build();
        await host.StartAsync(cancellationToken);
        try
        {
            return verb switch
            {
                "run" => await RunCommand.ExecuteAsync(host.Services, argument, output, errors, cancellationToken),
                "work" => await WorkCommand.ExecuteAsync(host.Services, output, cancellationToken),
                "serve" => await ServeCommand.ExecuteAsync((WebApplication)host, output, errors, cancellationToken),
                "batch" => await BatchCommand.ExecuteAsync(host.Services, words[1], argument, output, errors, cancellationToken),
                _ => await ShowCommand.ExecuteAsync(host.Services, argument, output, errors, cancellationToken),
            };
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>A one-line explanation for failures a user can fix; null for bugs, which keep their stack trace.</summary>
    private static string? Describe(Exception ex) => ex switch
    {
        AzuriteUnavailableException => ex.Message,
        OptionsValidationException options => "invalid configuration: " + string.Join("; ", options.Failures),
        RequestFailedException { Status: 0 } or AggregateException { InnerException: RequestFailedException { Status: 0 } } or HttpRequestException =>
            "cannot reach Azure Storage. Check the AzureWebJobsStorage setting, or unset it to use a local Azurite. (" + Innermost(ex).Message + ")",
        RequestFailedException failed => $"Azure Storage refused the request ({failed.Status} {failed.ErrorCode}): {FirstLine(failed.Message)}",
        OperationCanceledException => "cancelled.",
        _ => null,
    };

    private static Exception Innermost(Exception ex) => ex.InnerException is null ? ex : Innermost(ex.InnerException);

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}
