using System.Text.Json;
using System.Text.Json.Serialization;

namespace PromptQueue.Contracts;

/// <summary>
/// Why a <see cref="JobStatus.Waiting"/> job waits: a closed set. JSON and storage carry the name; a name this version
/// does not know (stored or sent by another version) reads as <see cref="Unknown"/>, never as an error.
/// <see cref="WaitReasons.Describe"/> gives each value's meaning in plain words.
/// </summary>
[JsonConverter(typeof(WaitReasonJsonConverter))]
public enum WaitReason
{
    /// <summary>The fallback: a reason another version of PromptQueue stored or sent that this one does not know.</summary>
    Unknown,

    /// <summary>The per-minute window is full until further away than a worker waits inline; the job holds its slot in a later one.</summary>
    Spacing,

    /// <summary>Another job's per-minute 429 blocks every request until the reset it named.</summary>
    BlockedUntilReset,

    /// <summary>Today's free requests (UTC day) are spent.</summary>
    DailyLimit,

    /// <summary>Every instance holds off because the account was refused (bad key, no credits).</summary>
    Paused,

    /// <summary>This job's call got OpenRouter's per-minute free-tier 429.</summary>
    RateLimitedPerMinute,

    /// <summary>This job's call got OpenRouter's per-day free-tier 429.</summary>
    RateLimitedPerDay,

    /// <summary>This job's call got a 429 that named no window.</summary>
    RateLimited,

    /// <summary>The provider serving the model behind OpenRouter was rate limited.</summary>
    UpstreamRateLimited,

    /// <summary>The API answered with a server error (5xx).</summary>
    ServerError,

    /// <summary>The call timed out: our request or idle timeout, or a 408, 504 or 524.</summary>
    Timeout,

    /// <summary>The connection failed or broke.</summary>
    NetworkError,

    /// <summary>The answer's stream broke off with an error after it began.</summary>
    MidStreamError,

    /// <summary>The completion had neither content nor tool calls.</summary>
    EmptyResponse,

    /// <summary>The response could not be read (bad JSON, a stream without its end).</summary>
    MalformedResponse,

    /// <summary>No provider had capacity for the model, and OpenRouter said to try again.</summary>
    CapacityExhausted,

    /// <summary>This job's call found the account refused (HTTP 401 or 402); the budget is paused for every instance.</summary>
    AccountProblem,

    /// <summary>The job continues another job (its parent), which is not finished yet.</summary>
    Parent,

    /// <summary>A stopping worker gave the job back; it is due again at once, for another worker.</summary>
    Released,
}

/// <summary>Reading and describing a <see cref="WaitReason"/>.</summary>
public static class WaitReasons
{
    /// <summary>What a name that is not one of the set reads as.</summary>
    public const WaitReason Fallback = WaitReason.Unknown;

    private static readonly Dictionary<string, WaitReason> ByName =
        Enum.GetValues<WaitReason>().ToDictionary(reason => reason.ToString(), StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// A stored or received name as a <see cref="WaitReason"/>: null or empty is none; a name of the set, in any case,
    /// is that value (every name stored before the set was closed is one); anything else is <see cref="Fallback"/>.
    /// </summary>
    public static WaitReason? Parse(string? name) =>
        string.IsNullOrEmpty(name) ? null : ByName.GetValueOrDefault(name.Trim(), Fallback);

    /// <summary>One line of plain English saying why a job with this reason waits, for people reading a job's state.</summary>
    public static string Describe(this WaitReason reason) => reason switch
    {
        WaitReason.Unknown => "Waiting for a reason this version of PromptQueue does not know (stored by another version).",
        WaitReason.Spacing => "Waiting its turn: this minute's requests are taken; it comes back for its slot in a later one.",
        WaitReason.BlockedUntilReset => "Waiting because the API said too many requests this minute; every job holds off until the limit resets.",
        WaitReason.DailyLimit => "Waiting because today's free requests are used up; it runs after the daily limit resets at midnight UTC.",
        WaitReason.Paused => "Waiting because all requests are paused: the API refused the account (bad key or no credits).",
        WaitReason.RateLimitedPerMinute => "Its call was refused as too many requests this minute; it tries again after the limit resets.",
        WaitReason.RateLimitedPerDay => "Its call was refused because today's free requests are used up; it tries again after midnight UTC.",
        WaitReason.RateLimited => "Its call was refused as too many requests; it tries again later.",
        WaitReason.UpstreamRateLimited => "The provider running the model was overloaded with requests; it tries again shortly.",
        WaitReason.ServerError => "The API had a server error; it tries again shortly.",
        WaitReason.Timeout => "The model took too long to answer; it tries again shortly.",
        WaitReason.NetworkError => "The connection to the API failed; it tries again shortly.",
        WaitReason.MidStreamError => "The answer broke off with an error part way through; it tries again shortly.",
        WaitReason.EmptyResponse => "The model sent back an empty answer; it tries again shortly.",
        WaitReason.MalformedResponse => "The API's answer could not be read; it tries again shortly.",
        WaitReason.CapacityExhausted => "No provider had room to run the model right now; it tries again later.",
        WaitReason.AccountProblem => "The API refused the account (bad key or no credits); it tries again once the pause is over.",
        WaitReason.Parent => "Waiting for the job it continues to finish first.",
        WaitReason.Released => "A worker stopped before finishing it; it is due again now, for another worker.",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "not a wait reason"),
    };
}

/// <summary>
/// Writes a <see cref="WaitReason"/> as its name (a number outside the set as <see cref="WaitReasons.Fallback"/>) and reads
/// any string, one it does not know as <see cref="WaitReasons.Fallback"/>.
/// </summary>
public sealed class WaitReasonJsonConverter : JsonConverter<WaitReason>
{
    public override WaitReason Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String
            ? WaitReasons.Parse(reader.GetString()) ?? WaitReasons.Fallback
            : throw new JsonException($"a wait reason is a string, not {reader.TokenType}");

    public override void Write(Utf8JsonWriter writer, WaitReason value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue((Enum.IsDefined(value) ? value : WaitReasons.Fallback).ToString());
    }
}
