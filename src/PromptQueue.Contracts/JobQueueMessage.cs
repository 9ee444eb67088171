using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace PromptQueue.Contracts;

/// <summary>What a message on the job queue asks for.</summary>
public enum JobMessageKind
{
    /// <summary><c>{"v":1,"jobId":"..."}</c>: run a job already stored in the job table.</summary>
    Reference,

    /// <summary>A whole v1 job, as another service would enqueue it.</summary>
    Inline,

    /// <summary>Neither: the message could not be decoded or is not a JSON object.</summary>
    Unreadable,
}

/// <summary>A decoded job-queue message.</summary>
/// <param name="Kind">What the message asks for.</param>
/// <param name="JobId">The referenced job, for <see cref="JobMessageKind.Reference"/>.</param>
/// <param name="Json">The UTF-8 JSON body after any base64 decoding.</param>
/// <param name="Error">Why the message is unreadable, for <see cref="JobMessageKind.Unreadable"/>.</param>
/// <param name="WatchedClaim">
/// For a reference sent as a claim's watch, the claim it watches: it brings the job back if the worker holding that
/// claim vanishes, and means nothing once the claim is gone.
/// </param>
/// <param name="TraceParent">The sender's W3C <c>traceparent</c>, which the job's processing continues.</param>
/// <param name="TraceState">The sender's W3C <c>tracestate</c>, if any.</param>
public sealed record JobQueueMessage(
    JobMessageKind Kind, string? JobId, ReadOnlyMemory<byte> Json, string? Error, string? WatchedClaim = null, string? TraceParent = null, string? TraceState = null)
{
    public const string JobIdProperty = "jobId";

    public const string WatchProperty = "watch";

    /// <summary>
    /// W3C trace context on a message, beside a reference's fields or an inline job's: it is the message's, not the
    /// job's, so an inline job is read without it.
    /// </summary>
    public const string TraceParentProperty = "traceparent";

    public const string TraceStateProperty = "tracestate";

    /// <summary>The body of a message that refers to a stored job, continuing the trace <paramref name="traceParent"/>.</summary>
    public static string CreateReference(string jobId, string? traceParent = null, string? traceState = null) =>
        Serialize(new Dictionary<string, object> { ["v"] = 1, [JobIdProperty] = jobId }, traceParent, traceState);

    /// <summary>The body of a claim's watch: a reference that names the claim it watches.</summary>
    public static string CreateWatch(string jobId, string claim, string? traceParent = null, string? traceState = null) =>
        Serialize(new Dictionary<string, object> { ["v"] = 1, [JobIdProperty] = jobId, [WatchProperty] = claim }, traceParent, traceState);

    private static string Serialize(Dictionary<string, object> fields, string? traceParent, string? traceState)
    {
        if (traceParent is not null)
        {
            fields[TraceParentProperty] = traceParent;
            if (!string.IsNullOrEmpty(traceState))
            {
                fields[TraceStateProperty] = traceState;
            }
        }

        return JsonSerializer.Serialize(fields);
    }

    /// <summary>
    /// Decodes a message body sent either as plain JSON or as base64-encoded JSON.
    /// </summary>
    /// <remarks>
    /// A plain <c>QueueClient</c> sends text as is, while the Functions queue trigger and many other tools expect
    /// base64. The worker reads both, so no sender can put a job in the poison queue by picking the other encoding:
    /// JSON always starts with '{' and base64 never does.
    /// </remarks>
    public static JobQueueMessage Decode(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var text = body.AsSpan().Trim();
        if (text.IsEmpty)
        {
            return Unreadable("the message is empty");
        }

        byte[] json;
        if (text[0] == '{')
        {
            json = Encoding.UTF8.GetBytes(text.ToString());
        }
        else if (!TryDecodeBase64(text, out json))
        {
            return Unreadable("the message is neither a JSON object nor base64-encoded JSON");
        }

        return Classify(json);
    }

    private static JobQueueMessage Classify(byte[] json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Unreadable("the message must be a JSON object", json);
            }

            var traceParent = StringOrNull(root, TraceParentProperty);
            var traceState = StringOrNull(root, TraceStateProperty);
            if (!root.TryGetProperty(JobIdProperty, out var jobId))
            {
                var job = traceParent is null && !root.TryGetProperty(TraceStateProperty, out _) ? json : WithoutTraceContext(root);
                return new JobQueueMessage(JobMessageKind.Inline, null, job, null, TraceParent: traceParent, TraceState: traceState);
            }

            if (jobId.ValueKind != JsonValueKind.String || !PromptJobReader.IsValidJobId(jobId.GetString()))
            {
                return Unreadable("'jobId' must be a job id string", json);
            }

            return new JobQueueMessage(JobMessageKind.Reference, jobId.GetString(), json, null, StringOrNull(root, WatchProperty), traceParent, traceState);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Treated as an inline job so that the job reader reports the syntax error with its line and position,
            // or the text that cannot be decoded with its path.
            return new JobQueueMessage(JobMessageKind.Inline, null, json, null);
        }
    }

    private static string? StringOrNull(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>An inline job without the message's own trace fields, every other member as it was.</summary>
    private static byte[] WithoutTraceContext(JsonElement root)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            foreach (var property in root.EnumerateObject())
            {
                if (property.Name is not (TraceParentProperty or TraceStateProperty))
                {
                    property.WriteTo(writer);
                }
            }

            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static bool TryDecodeBase64(ReadOnlySpan<char> text, out byte[] json)
    {
        var buffer = new byte[Base64.GetMaxDecodedFromUtf8Length(text.Length)];
        if (!Convert.TryFromBase64Chars(text, buffer, out var written) || written == 0)
        {
            json = [];
            return false;
        }

        json = buffer.AsSpan(0, written).ToArray();
        var first = json.AsSpan().TrimStart(" \t\r\n"u8);
        return !first.IsEmpty && first[0] == (byte)'{';
    }

    private static JobQueueMessage Unreadable(string error, byte[]? json = null) =>
        new(JobMessageKind.Unreadable, null, json ?? [], error);
}
