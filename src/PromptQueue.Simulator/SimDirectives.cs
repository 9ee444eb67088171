using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.RegularExpressions;

namespace PromptQueue.Simulator;

/// <summary>An extra <c>reasoning_details</c> item a script can ask for.</summary>
internal enum ExtraDetailKind
{
    None,
    Unknown,
    Encrypted,
    Summary,

    /// <summary>Two complete encrypted items at index 0, each with its own id, as OpenAI models send through OpenRouter.</summary>
    EncryptedItems,
}

/// <summary>How a script asks the answer to fail.</summary>
internal enum ErrorMode
{
    None,
    MidStream,

    /// <summary>The recorded in-band 400 "Token limit reached" under HTTP 200: finish_reason null, usage attached.</summary>
    TokenLimit,
    FinishError,
    Bare200,
}

/// <summary>
/// Scripted behaviour read from <c>[[sim:NAME]]</c> / <c>[[sim:NAME=VALUE]]</c> markers in the last user message,
/// so that a test driving a separate process can provoke each fault on demand.
/// </summary>
internal sealed partial record SimDirectives
{
    public static readonly SimDirectives None = new();

    public int? ReasoningChars { get; init; }

    public int? AnswerChars { get; init; }

    public ExtraDetailKind Detail { get; init; }

    public bool ToolCall { get; init; }

    public ErrorMode Error { get; init; }

    /// <summary>A scripted HTTP status, e.g. <c>503</c>, <c>429-upstream</c> or <c>502-html</c>.</summary>
    public string? Status { get; init; }

    public bool Empty { get; init; }

    public bool Hang { get; init; }

    public bool NoDone { get; init; }

    public bool Reset { get; init; }

    /// <summary>Hard socket reset via <c>HttpContext.Abort()</c>; unlike <see cref="Reset"/> the partial stream may be lost.</summary>
    public bool Abort { get; init; }

    public bool Malformed { get; init; }

    public TimeSpan? Latency { get; init; }

    /// <summary>True when the script already chose a failure, so no random fault is layered on top.</summary>
    public bool HasFault => Error != ErrorMode.None || Status is not null || Hang || NoDone || Reset || Abort || Malformed || Empty;

    /// <summary>Reads every directive in <paramref name="text"/>; unknown names or bad values are errors, to catch typos in scripts.</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out SimDirectives? directives, [NotNullWhen(false)] out string? error)
    {
        directives = None;
        foreach (Match match in DirectivePattern().Matches(text))
        {
            var name = match.Groups["name"].Value.ToLowerInvariant();
            var value = match.Groups["value"].Success ? match.Groups["value"].Value.Trim() : null;
            if (!TryApply(directives, name, value, out var applied, out error))
            {
                directives = null;
                return false;
            }

            directives = applied;
        }

        error = null;
        return true;
    }

    /// <summary>The text with every directive removed, for echoing back to the client.</summary>
    public static string Strip(string text) => DirectivePattern().Replace(text, string.Empty).Trim();

    /// <summary>Applies a randomly drawn fault unless the script already picked one.</summary>
    public SimDirectives WithRandomFault(RandomFault fault) => HasFault
        ? this
        : fault switch
        {
            RandomFault.Upstream429 => this with { Status = "429-upstream" },
            RandomFault.BadGateway => this with { Status = "502" },
            RandomFault.ServiceUnavailable => this with { Status = "503" },
            RandomFault.MidStreamError => this with { Error = ErrorMode.MidStream },
            RandomFault.Hang => this with { Hang = true },
            _ => this,
        };

    private static bool TryApply(SimDirectives current, string name, string? value, [NotNullWhen(true)] out SimDirectives? applied, [NotNullWhen(false)] out string? error)
    {
        applied = name switch
        {
            "reasoning-chars" => TryReadLength(value) is { } chars ? current with { ReasoningChars = chars } : null,
            "answer-chars" => TryReadLength(value) is { } chars ? current with { AnswerChars = chars } : null,
            "detail" => TryReadDetail(value) is { } detail ? current with { Detail = detail } : null,
            "error" => TryReadError(value) is { } mode ? current with { Error = mode } : null,
            "status" => IsKnownStatus(value) ? current with { Status = value!.ToLowerInvariant() } : null,
            "latency-ms" => TryReadLength(value) is { } ms ? current with { Latency = TimeSpan.FromMilliseconds(ms) } : null,
            "tool-call" when value is null => current with { ToolCall = true },
            "empty" when value is null => current with { Empty = true },
            "hang" when value is null => current with { Hang = true },
            "no-done" when value is null => current with { NoDone = true },
            "reset" when value is null => current with { Reset = true },
            "abort" when value is null => current with { Abort = true },
            "malformed" when value is null => current with { Malformed = true },
            _ => null,
        };
        error = applied is null ? $"Unknown or invalid simulator directive [[sim:{name}{(value is null ? string.Empty : "=" + value)}]]" : null;
        return applied is not null;
    }

    private static int? TryReadLength(string? value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number <= SimulatorOptions.MaxScriptedChars
            ? number
            : null;

    private static ExtraDetailKind? TryReadDetail(string? value) => value?.ToLowerInvariant() switch
    {
        "unknown" => ExtraDetailKind.Unknown,
        "encrypted" => ExtraDetailKind.Encrypted,
        "summary" => ExtraDetailKind.Summary,
        "encrypted-items" => ExtraDetailKind.EncryptedItems,
        _ => null,
    };

    private static ErrorMode? TryReadError(string? value) => value?.ToLowerInvariant() switch
    {
        "midstream" => ErrorMode.MidStream,
        "token-limit" => ErrorMode.TokenLimit,
        "finish-error" => ErrorMode.FinishError,
        "bare-200" => ErrorMode.Bare200,
        _ => null,
    };

    private static bool IsKnownStatus(string? value) => value is not null && StatusPattern().IsMatch(value);

    [GeneratedRegex(@"\[\[sim:(?<name>[a-z0-9-]+)(?:=(?<value>[^\]]*))?\]\]", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DirectivePattern();

    [GeneratedRegex(@"^(?:[45][0-9]{2}|429-upstream|429-day|502-html|524-html)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex StatusPattern();
}
