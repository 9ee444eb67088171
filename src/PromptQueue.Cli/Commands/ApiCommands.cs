using System.Net;
using PromptQueue.Client;

namespace PromptQueue.Cli.Commands;

/// <summary>
/// Running a command against a PromptQueue app over its HTTP API (<c>submit</c>, <c>status</c>, <c>watch</c>, and the
/// management commands given <c>--url</c>): they start no storage emulator and no worker, so they work against a
/// Functions app in Azure as well as a local host.
/// </summary>
public static class ApiCommands
{
    public const string UrlVariable = "PROMPTQ_URL";
    public const string KeyVariable = "PROMPTQ_API_KEY";
    public const string DefaultUrl = "http://127.0.0.1:7071";

    /// <summary>Creates the client for <paramref name="url"/> and runs <paramref name="command"/>; failures a user can fix become one line.</summary>
    public static async Task<int> RunAsync(
        string verb,
        string target,
        string url,
        string? key,
        TextWriter errors,
        Func<PromptQueueClient, ApiArguments, CancellationToken, Task<int>> command,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(errors);
        ArgumentNullException.ThrowIfNull(command);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            await errors.WriteLineAsync($"promptq: '{url}' is not an http or https URL (--url or {UrlVariable}).");
            return Promptq.ExitUsage;
        }

        var arguments = new ApiArguments(verb, target, uri, key, Json: false, Wait: false);

        // One long poll per round: watch refreshes its line at least every 10 s, submit --wait needs no refresh.
        var round = verb == "watch" ? TimeSpan.FromSeconds(10) : TimeSpan.FromSeconds(60);
        using var http = new HttpClient();
        // The CLI names jobs the app already stored (submitted over HTTP, or typed by the user): an unknown id is a
        // mistake to report at once, not a message still on its way to a worker.
        var client = new PromptQueueClient(http, new PromptQueueClientOptions { BaseAddress = uri, ApiKey = key, LongPollRound = round, UnknownJobGrace = TimeSpan.Zero });
        try
        {
            return await command(client, arguments, cancellationToken);
        }
        catch (Exception ex) when (Describe(ex, arguments, cancellationToken) is { } failure)
        {
            await errors.WriteLineAsync($"promptq: {failure.Message}");
            return failure.ExitCode;
        }
    }

    /// <summary>A one-line explanation for failures a user can fix; null for bugs, which keep their stack trace.</summary>
    private static (string Message, int ExitCode)? Describe(Exception ex, ApiArguments arguments, CancellationToken cancellationToken) => ex switch
    {
        HttpRequestException { StatusCode: null } =>
            ($"cannot reach PromptQueue at {arguments.Url} ({Innermost(ex).Message}). Start it (promptq serve) or point --url / {UrlVariable} at it.", Promptq.ExitUnavailable),
        TaskCanceledException when !cancellationToken.IsCancellationRequested =>
            ($"PromptQueue at {arguments.Url} did not answer in time.", Promptq.ExitUnavailable),
        PromptQueueApiException { StatusCode: HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden } api => (arguments.Key is null
            ? $"PromptQueue at {arguments.Url} needs a key ({(int)api.StatusCode}): set {KeyVariable} to the function key or the key promptq serve was given."
            : $"PromptQueue at {arguments.Url} refused the key ({(int)api.StatusCode}): check {KeyVariable} (or --key).", Promptq.ExitUnavailable),
        // A problem document (no raw body kept) is the API's own "unknown id"; a bare 404 means a wrong URL, said below.
        PromptQueueApiException { StatusCode: HttpStatusCode.NotFound, ResponseBody: null } when arguments.Verb != "submit" =>
            ($"no job '{arguments.Target}' at {arguments.Url}.", Promptq.ExitUsage),
        PromptQueueApiException api when (int)api.StatusCode is >= 400 and < 500 => (api.Message, Promptq.ExitUsage),
        PromptQueueApiException api => (api.Message, Promptq.ExitUnavailable),
        InvalidDataException => ($"PromptQueue at {arguments.Url} sent an answer this promptq cannot read: {ex.Message}", Promptq.ExitUnavailable),
        IOException or UnauthorizedAccessException when arguments.Verb == "submit" => ($"cannot read {arguments.Target}: {ex.Message}", Promptq.ExitUsage),
        _ => null,
    };

    private static Exception Innermost(Exception ex) => ex.InnerException is null ? ex : Innermost(ex.InnerException);
}

/// <summary>A command against a running app: what it names, where the app is, and the command's own switches.</summary>
public sealed record ApiArguments(string Verb, string Target, Uri Url, string? Key, bool Json, bool Wait);
