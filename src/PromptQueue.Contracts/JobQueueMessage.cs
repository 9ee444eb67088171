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
public sealed record JobQueueMessage(JobMessageKind Kind, string? JobId, ReadOnlyMemory<byte> Json, string? Error)
{
    public const string JobIdProperty = "jobId";

    /// <summary>The body of a message that refers to a stored job.</summary>
    public static string CreateReference(string jobId) =>
        JsonSerializer.Serialize(new Dictionary<string, object> { ["v"] = 1, [JobIdProperty] = jobId });

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

            if (!root.TryGetProperty(JobIdProperty, out var jobId))
            {
                return new JobQueueMessage(JobMessageKind.Inline, null, json, null);
            }

            return jobId.ValueKind == JsonValueKind.String && PromptJobReader.IsValidJobId(jobId.GetString())
                ? new JobQueueMessage(JobMessageKind.Reference, jobId.GetString(), json, null)
                : Unreadable("'jobId' must be a job id string", json);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Treated as an inline job so that the job reader reports the syntax error with its line and position,
            // or the text that cannot be decoded with its path.
            return new JobQueueMessage(JobMessageKind.Inline, null, json, null);
        }
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
