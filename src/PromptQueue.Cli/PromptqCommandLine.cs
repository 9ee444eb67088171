using System.CommandLine;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using PromptQueue.Cli.Commands;
using PromptQueue.Client;
using PromptQueue.Contracts;
using PromptQueue.Hosting.Worker;

namespace PromptQueue.Cli;

/// <summary>What every command's action sees: the console, the stop signals, and the options that apply anywhere.</summary>
public sealed class PromptqContext(PromptqConsole console, StopSignals stop)
{
    public PromptqConsole Console { get; } = console;

    public StopSignals Stop { get; } = stop;

    /// <summary>Show the worker's log (<c>--verbose</c>, anywhere on the command line).</summary>
    public bool Verbose { get; set; }
}

/// <summary>promptq's commands, options and help, as System.CommandLine describes them.</summary>
public static class PromptqCommandLine
{
    public static readonly Option<bool> Verbose = new("--verbose", "-v") { Description = "Show the worker's log.", Recursive = true };

    /// <summary>Builds the command tree; each action runs with <paramref name="context"/>.</summary>
    public static RootCommand Create(PromptqContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var root = new RootCommand(
            """
            promptq: PromptQueue's standalone host and command line.
            Local commands work on the configured storage (AzureWebJobsStorage; without it, a local Azurite that promptq
            starts). Commands that take --url talk to a running PromptQueue (promptq serve or the Functions app) instead.
            Exit codes: 0 done, 3 jobs did not complete, 64 bad command line, 69 service unreachable, 78 bad
            configuration, 130 interrupted.

            Settings (environment variables or appsettings.json):
              OPENROUTER_API_KEY        OpenRouter API key. Without it, the built-in simulator answers, but only when
                                        storage is the local Azurite (or OpenRouter__UseSimulator=true).
              OpenRouter__DefaultModel  Model for jobs that name none (default openai/gpt-oss-120b:free).
              AzureWebJobsStorage       Storage connection string. Without it, Azurite is used (and started if needed).
              PROMPTQ_URL, PROMPTQ_API_KEY
                                        The app and key for commands that take --url and --key.
              PromptQueue__Telemetry__Console=true, OTEL_EXPORTER_OTLP_ENDPOINT
                                        Print PromptQueue's traces and metrics, or send them to an OTLP collector.
            """)
        {
            Verbose,
        };

        root.Add(RunCommandLine(context));
        root.Add(ShowCommandLine(context));
        root.Add(WorkCommandLine(context));
        root.Add(ServeCommandLine(context));
        root.Add(SubmitCommandLine(context));
        root.Add(StatusCommandLine(context));
        root.Add(WatchCommandLine(context));
        root.Add(CancelCommandLine(context));
        root.Add(RetryCommandLine(context));
        root.Add(BudgetCommandLine(context));
        root.Add(UsageCommandLine(context));
        root.Add(JobsCommandLine(context));
        root.Add(BatchCommandLine(context));
        return root;
    }

    private static Command RunCommandLine(PromptqContext context)
    {
        var file = new Argument<string>("FILE") { Description = "A JSONL file: one job per line (an optional id names the job)." };
        var command = new Command("run", "Submit each line of FILE as a job, process them all, and print every answer with its reasoning.") { file };
        command.SetAction((parse, cancellationToken) => Local(context, parse, new LocalUse(NeedsModel: true, DataOnStandardOutput: false, Workers: WorkerStart.ByCaller), (host, ct) =>
        {
            DescribeStopOfListener(context, host.Services);
            return RunCommand.ExecuteAsync(host.Services, parse.GetRequiredValue(file), context.Console.Output, context.Console.Errors, ct);
        }, cancellationToken));
        return command;
    }

    private static Command ShowCommandLine(PromptqContext context)
    {
        var job = new Argument<string>("ID") { Description = "A job's id, or the name (id or custom_id) it was given in a file for run or batch submit." };
        var command = new Command("show", "Print one job in full: status, usage, answer, reasoning and reasoning_details.") { job };
        command.SetAction((parse, cancellationToken) => Local(context, parse, new LocalUse(false, false), (host, ct) =>
            ShowCommand.ExecuteAsync(host.Services, parse.GetRequiredValue(job), context.Console.Output, context.Console.Errors, ct), cancellationToken));
        return command;
    }

    private static Command WorkCommandLine(PromptqContext context)
    {
        var command = new Command("work", "Process the job queue until Ctrl+C, as the Functions app does.");
        command.SetAction((parse, cancellationToken) => Local(context, parse, new LocalUse(true, false, Workers: WorkerStart.WithHost), (host, ct) =>
        {
            DescribeStopOfListener(context, host.Services);
            return WorkCommand.ExecuteAsync(host.Services, context.Console.Output, ct);
        }, cancellationToken));
        return command;
    }

    private static Command ServeCommandLine(PromptqContext context)
    {
        var urls = new Option<string?>("--urls") { Description = "Where to listen, separated by ';' (default http://127.0.0.1:7071).", HelpName = "URL" };
        var dev = new Option<bool>("--dev") { Description = "No API key; loopback addresses only." };
        var command = new Command(
            "serve",
            "Serve the HTTP API and process the job queue until Ctrl+C: the whole app in one process. Needs PromptQueue__Http__ApiKey, " +
            "which callers send in the x-functions-key header; --dev runs without a key, on loopback addresses only.")
        {
            urls,
            dev,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var use = new LocalUse(true, false, new ServeArguments(parse.GetValue(urls), parse.GetValue(dev)), WorkerStart.WithHost);
            return Local(context, parse, use, (host, ct) =>
            {
                DescribeStopOfListener(context, host.Services);
                return ServeCommand.ExecuteAsync((WebApplication)host, context.Console.Output, context.Console.Errors, ct);
            }, cancellationToken);
        });
        return command;
    }

    private static Command SubmitCommandLine(PromptqContext context)
    {
        var file = new Argument<string>("FILE") { Description = "A JSON file with one job, or - for standard input." };
        var wait = new Option<bool>("--wait") { Description = "Wait for the job and print its answer and reasoning." };
        return OverHttp(context, new Command("submit", "Submit one job to a running PromptQueue and print its id.") { file, wait }, file, (client, target, parse, ct) =>
            SubmitCommand.ExecuteAsync(client, target with { Wait = parse.GetValue(wait) }, context.Console.Input, context.Console.Output, ct));
    }

    private static Command StatusCommandLine(PromptqContext context)
    {
        var job = JobIdArgument("The job's id.");
        var json = new Option<bool>("--json") { Description = "Print the API's JobView as JSON." };
        return OverHttp(context, new Command("status", "Print a job's status, usage, error and answer.") { job, json }, job, (client, target, parse, ct) =>
            StatusCommand.ExecuteAsync(client, target with { Json = parse.GetValue(json) }, context.Console.Output, context.Console.Errors, ct));
    }

    private static Command WatchCommandLine(PromptqContext context)
    {
        var job = JobIdArgument("The job's id.");
        return OverHttp(context, new Command("watch", "Show a live status line until the job ends; exit 0 if it completed, 3 if not.") { job }, job, (client, target, _, ct) =>
            WatchCommand.ExecuteAsync(client, target, context.Console.Output, ct));
    }

    /// <summary>A command that only talks to a running app: <c>--url</c> and <c>--key</c>, then <paramref name="run"/>.</summary>
    private static Command OverHttp(PromptqContext context, Command command, Argument<string> target, Func<PromptQueueClient, ApiArguments, ParseResult, CancellationToken, Task<int>> run)
    {
        var remote = AddRemoteOptions(command, required: true);
        command.SetAction((parse, cancellationToken) =>
            Remote(context, parse, remote, command.Name, parse.GetRequiredValue(target), (client, arguments, ct) => run(client, arguments, parse, ct), cancellationToken));
        return command;
    }

    private static Command CancelCommandLine(PromptqContext context)
    {
        var job = JobIdArgument("A Queued or Waiting job's id.");
        var command = new Command("cancel", "Cancel a job that has not run yet.") { job };
        return Manage(context, command, "job", job, ManageCommands.CancelJobAsync);
    }

    private static Command RetryCommandLine(PromptqContext context)
    {
        var job = JobIdArgument("A Failed or DeadLettered job's id.");
        var command = new Command("retry", "Run a Failed or DeadLettered job again, with fresh attempts.") { job };
        return Manage(context, command, "job", job, ManageCommands.RetryJobAsync);
    }

    private static Command BudgetCommandLine(PromptqContext context)
    {
        var json = JsonOption();
        var command = new Command("budget", "Show the shared request budget: used and left this minute and today, pauses, resets.") { json };
        return Manage(context, command, "budget", argument: null, (backend, parse, output, ct) => ManageCommands.BudgetAsync(backend, output, parse.GetValue(json), ct));
    }

    private static Command UsageCommandLine(PromptqContext context)
    {
        var day = new Option<string?>("--day") { Description = "A UTC day, yyyy-MM-dd (default today).", HelpName = "DAY" };
        day.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } text && !DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
            {
                result.AddError($"--day must be a UTC day of the form yyyy-MM-dd, not '{text}'.");
            }
        });
        var json = JsonOption();
        var command = new Command("usage", "Show the jobs, tokens and cost completed on a UTC day.") { day, json };
        return Manage(context, command, "usage", argument: null, (backend, parse, output, ct) =>
            ManageCommands.UsageAsync(backend, parse.GetValue(day) is { } text ? DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture) : null, output, parse.GetValue(json), ct));
    }

    private static Command JobsCommandLine(PromptqContext context)
    {
        var command = new Command("jobs", "Jobs in storage or in a running app.");
        var filters = new ListOptions(withBatch: true);
        var list = new Command("list", "List jobs, newest first, from the index of jobs by the day they were created (the last 7 days unless --since says otherwise).");
        filters.AddTo(list);
        command.Add(Manage(context, list, "job", argument: null, (backend, parse, output, ct) =>
            ManageCommands.ListJobsAsync(backend, filters.Read(parse), parse.GetValue(filters.Json), output, ct)));
        return command;
    }

    private static Command BatchCommandLine(PromptqContext context)
    {
        var command = new Command("batch", "Bulk work: submit a file as a batch, follow it, read its results, cancel it.");

        var filters = new ListOptions(withBatch: false);
        var list = new Command("list", "List batches, newest first (the last 30 days unless --since says otherwise).");
        filters.AddTo(list);
        command.Add(Manage(context, list, "batch", argument: null, (backend, parse, output, ct) =>
            ManageCommands.ListBatchesAsync(backend, filters.Read(parse), parse.GetValue(filters.Json), output, ct)));

        var file = new Argument<string>("FILE") { Description = "JSONL or a JSON array of jobs, each with an optional custom_id (or id) naming it." };
        var submit = new Command("submit", "Store FILE as a batch and print its id; 'promptq work' or the Functions app releases it at the budget's pace.") { file };
        submit.SetAction((parse, cancellationToken) => Local(context, parse, new LocalUse(false, DataOnStandardOutput: true), (host, ct) =>
            BatchCommand.SubmitAsync(host.Services, parse.GetRequiredValue(file), context.Console.Output, context.Console.Errors, ct), cancellationToken));
        command.Add(submit);

        var statusId = BatchIdArgument();
        var status = new Command("status", "Show a batch's progress, counts, usage and estimated completion.") { statusId };
        command.Add(Manage(context, status, "batch", statusId, ManageCommands.BatchStatusAsync));

        var resultsId = BatchIdArgument();
        var reasoning = new Option<bool>("--reasoning") { Description = "Include each job's reasoning and reasoning_details." };
        var results = new Command("results", "Print a batch's results as JSONL, in input order (messages go to standard error).") { resultsId, reasoning };
        results.SetAction((parse, cancellationToken) => Local(context, parse, new LocalUse(false, DataOnStandardOutput: true), (host, ct) =>
            BatchCommand.ResultsAsync(host.Services, parse.GetRequiredValue(resultsId), parse.GetValue(reasoning), context.Console.Output, context.Console.Errors, ct), cancellationToken));
        command.Add(results);

        var cancelId = BatchIdArgument();
        var cancel = new Command("cancel", "Cancel a batch: items not yet released never run; those in flight finish.") { cancelId };
        command.Add(Manage(context, cancel, "batch", cancelId, ManageCommands.CancelBatchAsync));

        var retryId = BatchIdArgument();
        var retry = new Command("retry-failed", "Run a batch's Failed and DeadLettered items again.") { retryId };
        command.Add(Manage(context, retry, "batch", retryId, ManageCommands.RetryFailedAsync));
        return command;
    }

    private static Argument<string> BatchIdArgument() =>
        Checked(new Argument<string>("ID") { Description = "The batch's id (batch-...)." }, id => id.StartsWith("batch-", StringComparison.Ordinal) && PromptJobReader.IsValidJobId(id), "is not a batch id (batch- followed by 26 letters and digits)");

    /// <summary>A job id argument, refused on the command line when it cannot be one (and would only fail later, less clearly).</summary>
    private static Argument<string> JobIdArgument(string description) =>
        Checked(new Argument<string>("ID") { Description = description }, PromptJobReader.IsValidJobId, "is not a job id (letters, digits, '-', '_', '.' or ':', starting with a letter or digit)");

    private static Argument<string> Checked(Argument<string> argument, Func<string, bool> isValid, string problem)
    {
        argument.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is { } value && !isValid(value))
            {
                result.AddError($"'{value}' {problem}.");
            }
        });
        return argument;
    }

    private static Option<bool> JsonOption() => new("--json") { Description = "Print the API's answer as JSON." };

    /// <summary><c>--url</c> and <c>--key</c>: talk to a running app over HTTP.</summary>
    private static RemoteOptions AddRemoteOptions(Command command, bool required)
    {
        var url = new Option<string?>("--url")
        {
            Description = required
                ? $"The app's URL (env {ApiCommands.UrlVariable}; default {ApiCommands.DefaultUrl})."
                : $"Ask a running app at this URL (env {ApiCommands.UrlVariable}) instead of working on local storage.",
            HelpName = "URL",
        };
        var key = new Option<string?>("--key")
        {
            Description = $"The function key. Prefer env {ApiCommands.KeyVariable}: arguments show in process lists and shell history.",
            HelpName = "KEY",
        };
        command.Add(url);
        command.Add(key);
        return new RemoteOptions(url, key, required);
    }

    /// <summary>
    /// A management command that works on local storage, or over HTTP when <c>--url</c> (or PROMPTQ_URL) names an app;
    /// either way through an <see cref="IPromptQueueBackend"/>.
    /// </summary>
    private static Command Manage(
        PromptqContext context,
        Command command,
        string thing,
        Argument<string>? argument,
        Func<IPromptQueueBackend, ParseResult, TextWriter, CancellationToken, Task<int>> run)
    {
        var remote = AddRemoteOptions(command, required: false);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var target = argument is null ? "" : parse.GetRequiredValue(argument);
            if (remote.UrlOf(parse, context.Console.Environment) is null)
            {
                return await Local(context, parse, new LocalUse(false, DataOnStandardOutput: true), (host, ct) =>
                    Described(context, new LocalBackend(host.Services), thing, target, backend => run(backend, parse, context.Console.Output, ct)), cancellationToken);
            }

            return await Remote(context, parse, remote, thing, target, (client, arguments, ct) =>
                Described(context, new HttpBackend(client, arguments.Url), thing, target, backend => run(backend, parse, context.Console.Output, ct)), cancellationToken);
        });
        return command;
    }

    private static Command Manage(PromptqContext context, Command command, string thing, Argument<string> argument, Func<IPromptQueueBackend, string, TextWriter, CancellationToken, Task<int>> run) =>
        Manage(context, command, thing, (Argument<string>?)argument, (backend, parse, output, ct) => run(backend, parse.GetRequiredValue(argument), output, ct));

    /// <summary>A refusal from either backend in one line: an unknown id, a job in the wrong status.</summary>
    private static async Task<int> Described(PromptqContext context, IPromptQueueBackend backend, string thing, string target, Func<IPromptQueueBackend, Task<int>> run)
    {
        try
        {
            return await run(backend);
        }
        catch (PromptQueueApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotFound && ex.ResponseBody is null)
        {
            await context.Console.Errors.WriteLineAsync($"promptq: no {thing} '{target}' {(backend is LocalBackend ? "in" : "at")} {backend.Where}.");
            return Promptq.ExitUsage;
        }
        catch (PromptQueueApiException ex) when ((int)ex.StatusCode is >= 400 and < 500 && ex.StatusCode is not (System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.Forbidden))
        {
            await context.Console.Errors.WriteLineAsync($"promptq: {ex.Message}");
            return Promptq.ExitUsage;
        }
    }

    private static Task<int> Local(PromptqContext context, ParseResult parse, LocalUse use, Func<Microsoft.Extensions.Hosting.IHost, CancellationToken, Task<int>> command, CancellationToken cancellationToken)
    {
        context.Verbose = parse.GetValue(Verbose);
        return LocalHost.RunAsync(context, use, command, cancellationToken);
    }

    private static Task<int> Remote(PromptqContext context, ParseResult parse, RemoteOptions remote, string verb, string target, Func<PromptQueueClient, ApiArguments, CancellationToken, Task<int>> command, CancellationToken cancellationToken)
    {
        context.Verbose = parse.GetValue(Verbose);
        var url = remote.UrlOf(parse, context.Console.Environment) ?? ApiCommands.DefaultUrl;
        var key = parse.GetValue(remote.Key) ?? (context.Console.Environment(ApiCommands.KeyVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null);
        return ApiCommands.RunAsync(verb, target, url, key, context.Console.Errors, command, cancellationToken);
    }

    /// <summary>At the first Ctrl+C, say how many jobs promptq waits for, and for how long; at the second, stop waiting.</summary>
    private static void DescribeStopOfListener(PromptqContext context, IServiceProvider services)
    {
        var workers = services.GetRequiredService<StandaloneWorkers>();
        context.Stop.Messages = context.Console.Errors;
        context.Stop.DescribeStop = () => workers.Jobs.JobsInHand switch
        {
            0 => "stopping",
            var jobs => $"stopping: {jobs} job{(jobs == 1 ? "" : "s")} in flight, waiting up to {workers.ShutdownTimeout.TotalSeconds:0} s",
        };
        context.Stop.StopNow.Register(workers.Jobs.StopNow);
    }

    /// <summary>The filters of <c>jobs list</c> and <c>batch list</c>, passed to the API as its query parameters are.</summary>
    private sealed class ListOptions(bool withBatch)
    {
        public Option<string?> Status { get; } = new("--status") { Description = "Only these statuses, comma-separated (for example Failed,DeadLettered).", HelpName = "STATUS" };

        public Option<string?> Batch { get; } = new("--batch") { Description = "Only the jobs of this batch.", HelpName = "ID" };

        public Option<string?> Since { get; } = new("--since") { Description = "Created at or after: an ISO time, a UTC date, or an age such as 30m, 12h or 7d.", HelpName = "WHEN" };

        public Option<int?> Top { get; } = new("--top") { Description = "At most this many (1 to 1000; default 50).", HelpName = "N" };

        public Option<string?> Continuation { get; } = new("--continuation") { Description = "The token a previous page printed, for the next page.", HelpName = "TOKEN" };

        public Option<bool> Json { get; } = JsonOption();

        public void AddTo(Command command)
        {
            command.Add(Status);
            if (withBatch)
            {
                command.Add(Batch);
            }

            command.Add(Since);
            command.Add(Top);
            command.Add(Continuation);
            command.Add(Json);
        }

        public Core.Listing.ListParameters Read(ParseResult parse) => new(
            parse.GetValue(Status),
            withBatch ? parse.GetValue(Batch) : null,
            parse.GetValue(Since),
            parse.GetValue(Top)?.ToString(CultureInfo.InvariantCulture),
            parse.GetValue(Continuation));
    }

    private sealed record RemoteOptions(Option<string?> Url, Option<string?> Key, bool Required)
    {
        /// <summary>The app's URL from <c>--url</c> or the environment; null when neither names one.</summary>
        public string? UrlOf(ParseResult parse, Func<string, string?> environment) =>
            parse.GetValue(Url) ?? (environment(ApiCommands.UrlVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null);
    }
}
