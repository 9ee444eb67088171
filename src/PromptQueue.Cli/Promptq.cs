using System.Runtime.InteropServices;
using Azure;
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

    private const string Usage = """
        promptq: PromptQueue's standalone host.

        Usage:
          promptq run FILE.jsonl   Submit each line of FILE as a job, process them all, and print every answer
                                   with its reasoning.
          promptq show ID          Print one job: status, usage, answer, reasoning and reasoning_details.
          promptq work             Process the job queue until Ctrl+C, as the Functions app does.
          promptq batch submit FILE
                                   Store FILE (JSONL or a JSON array of jobs, each with an optional custom_id) as a
                                   batch; prints its id. 'promptq work' or the Functions app releases it at the
                                   budget's pace.
          promptq batch status ID  Show a batch's progress, counts, usage and estimated completion.
          promptq batch results ID Print a batch's results as JSONL, in input order (messages go to stderr).

        Configuration (environment variables or appsettings.json):
          OPENROUTER_API_KEY       OpenRouter API key. Without it, the built-in simulator answers.
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
        if (words is not ["run", _] and not ["show", _] and not ["work"] and not ["batch", "submit" or "status" or "results", _])
        {
            await (words is [] or ["help"] or ["--help"] or ["-h"] ? output : errors).WriteLineAsync(Usage);
            return words is [] or ["help"] or ["--help"] or ["-h"] ? ExitOk : ExitUsage;
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
            return await ExecuteAsync(words, verbose, output, errors, cancel.Token);
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

    private static async Task<int> ExecuteAsync(string[] words, bool verbose, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        var (verb, argument) = (words[0], words[1..].LastOrDefault() ?? "");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = false, Args = [] });
        builder.Logging.SetMinimumLevel(verbose ? LogLevel.Information : LogLevel.Warning);
        if (!verbose)
        {
            // Azure SDK request logs would bury the progress display.
            builder.Logging.AddFilter("Azure", LogLevel.Error);
        }

        if (verb == "batch")
        {
            // Standard output carries data (JSONL results, a batch id): logs go to standard error.
            builder.Logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        }

        await using var local = await LocalEnvironment.PrepareAsync(builder.Configuration, errors, cancellationToken);
        builder.Configuration.AddInMemoryCollection(local.Settings);
        builder.Services.AddPromptQueueCore(builder.Configuration);
        builder.Services.AddPromptQueueTelemetry(builder.Configuration, serviceName: "promptq");
        builder.Services.AddPromptQueueStandaloneWorker();

        using var host = builder.Build();
        await host.StartAsync(cancellationToken);
        try
        {
            return verb switch
            {
                "run" => await RunCommand.ExecuteAsync(host.Services, argument, output, errors, cancellationToken),
                "work" => await WorkCommand.ExecuteAsync(host.Services, output, cancellationToken),
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
