using System.CommandLine;
using System.CommandLine.Parsing;
using Azure;
using Microsoft.Extensions.Options;
using PromptQueue.Cli.Local;
using PromptQueue.Core.Storage;

namespace PromptQueue.Cli;

/// <summary>The <c>promptq</c> command line: parses it, runs the command, and turns failures a user can fix into one line.</summary>
public static class Promptq
{
    public const int ExitOk = 0;

    /// <summary>Some jobs did not complete (failed, cancelled, or still waiting when the command ended).</summary>
    public const int ExitJobsFailed = 3;

    /// <summary>The command line is wrong, or names something that does not exist (sysexits' EX_USAGE).</summary>
    public const int ExitUsage = 64;

    /// <summary>Storage, the app, or the model cannot be reached (sysexits' EX_UNAVAILABLE).</summary>
    public const int ExitUnavailable = 69;

    /// <summary>The configuration cannot work as it stands (sysexits' EX_CONFIG); the message names the setting.</summary>
    public const int ExitConfig = 78;

    /// <summary>Stopped by Ctrl+C or SIGTERM: 128 + SIGINT, as shells report an interrupted program.</summary>
    public const int ExitInterrupted = 130;

    /// <summary>Runs promptq with the process's own standard input and environment.</summary>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter errors, CancellationToken cancellationToken = default) =>
        RunAsync(args, PromptqConsole.Process(output, errors), cancellationToken);

    public static async Task<int> RunAsync(string[] args, PromptqConsole console, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(console);
        // 'promptq help [COMMAND]' is what many users type first: it means 'promptq [COMMAND] --help'.
        args = args is ["help", .. var rest] ? [.. rest, "--help"] : args;
        using var stop = new StopSignals(cancellationToken);
        var context = new PromptqContext(console, stop);
        var parse = PromptqCommandLine.Create(context).Parse(args);
        var invocation = new InvocationConfiguration
        {
            Output = console.Output,
            Error = console.Errors,

            // promptq handles Ctrl+C itself (StopSignals), and its own failures below.
            ProcessTerminationTimeout = null,
            EnableDefaultExceptionHandler = false,
        };
        if (parse.Errors.Count > 0)
        {
            await ExplainAsync(parse, console.Errors);
            return ExitUsage;
        }

        try
        {
            var exit = await parse.InvokeAsync(invocation, stop.Stopping);
            return stop.Interrupted ? ExitInterrupted : exit;
        }
        catch (OperationCanceledException) when (stop.Interrupted)
        {
            return ExitInterrupted;
        }
        catch (LocalSetupException ex)
        {
            await console.Errors.WriteLineAsync($"promptq: {ex.Message}");
            return ExitConfig;
        }
        catch (Exception ex) when (Describe(ex) is { } failure)
        {
            await console.Errors.WriteLineAsync($"promptq: {failure.Message}");
            return failure.ExitCode;
        }
    }

    /// <summary>Each parse error on one line, a suggestion for a mistyped command or option, and where help is.</summary>
    private static async Task ExplainAsync(ParseResult parse, TextWriter errors)
    {
        // An unknown word where a command belongs also reports that no command was given: say the one thing.
        foreach (var error in parse.Errors.Where(e => parse.UnmatchedTokens.Count == 0 || e.Message != "Required command was not provided."))
        {
            await errors.WriteLineAsync($"promptq: {error.Message}");
        }

        var command = parse.CommandResult.Command;
        var names = command.Subcommands.Select(c => c.Name).Concat(command.Options.Select(o => o.Name)).ToList();
        foreach (var token in parse.UnmatchedTokens)
        {
            var close = names.Where(name => Suggestions.IsClose(token, name)).ToList();
            if (close.Count > 0)
            {
                await errors.WriteLineAsync($"Did you mean {string.Join(" or ", close.Select(c => $"'{c}'"))}?");
            }
        }

        await errors.WriteLineAsync($"See '{string.Join(' ', CommandPath(parse.CommandResult))} --help'.");
    }

    /// <summary>"promptq batch submit": the root is named for the program, whatever the process is called.</summary>
    private static IEnumerable<string> CommandPath(CommandResult result) =>
        result.Parent is CommandResult parent ? CommandPath(parent).Append(result.Command.Name) : ["promptq"];

    /// <summary>A one-line explanation and exit code for failures a user can fix; null for bugs, which keep their stack trace.</summary>
    internal static (string Message, int ExitCode)? Describe(Exception ex) => ex switch
    {
        AzuriteUnavailableException => (ex.Message, ExitUnavailable),
        OptionsValidationException options => ("invalid configuration: " + string.Join("; ", options.Failures), ExitConfig),
        StorageConnectionException => (ex.Message, ExitConfig),
        RequestFailedException { Status: 0 } or AggregateException { InnerException: RequestFailedException { Status: 0 } } or HttpRequestException =>
            ("cannot reach Azure Storage. Check the AzureWebJobsStorage setting, or unset it to use a local Azurite. (" + FirstLine(Innermost(ex).Message) + ")", ExitUnavailable),
        RequestFailedException failed => ($"Azure Storage refused the request ({failed.Status} {failed.ErrorCode}): {FirstLine(failed.Message)}", ExitUnavailable),
        _ => null,
    };

    private static Exception Innermost(Exception ex) => ex.InnerException is null ? ex : Innermost(ex.InnerException);

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}

/// <summary>Close matches for a mistyped word: a small edit distance, or one is the start of the other.</summary>
internal static class Suggestions
{
    public static bool IsClose(string typed, string candidate)
    {
        var word = typed.TrimStart('-');
        var name = candidate.TrimStart('-');
        return word.Length > 0 && (name.StartsWith(word, StringComparison.OrdinalIgnoreCase) || Distance(word.ToUpperInvariant(), name.ToUpperInvariant()) <= Math.Max(1, name.Length / 3));
    }

    /// <summary>Levenshtein distance with adjacent transpositions (optimal string alignment).</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
