namespace PromptQueue.Core.Storage;

/// <summary>The long texts of a job, each stored as numbered chunk rows beside the job row.</summary>
public enum JobText
{
    /// <summary>The job as submitted (JSON).</summary>
    Request,

    /// <summary>The model's answer.</summary>
    Answer,

    /// <summary>The model's reasoning trace as plain text.</summary>
    Reasoning,

    /// <summary>The reasoning as OpenRouter's <c>reasoning_details</c> JSON array, unmodified.</summary>
    ReasoningDetails,

    /// <summary>Tool calls the model asked for (JSON).</summary>
    ToolCalls,

    /// <summary>The raw payload of a rejected or dead-lettered message, kept as received.</summary>
    Payload,

    /// <summary>
    /// For a job that continues another: every message sent to the model, ancestors' turns included (JSON array,
    /// reasoning_details verbatim). A child reads this one stream of its parent instead of walking the whole chain.
    /// </summary>
    Conversation,

    /// <summary>The answer's log probabilities, when the job asked for them (JSON, each token's entry as received).</summary>
    Logprobs,
}

/// <summary>Row keys and splitting of text chunks.</summary>
public static class JobTextRows
{
    /// <summary>
    /// Characters per chunk row. A Table string holds at most 32K UTF-16 characters; a little headroom keeps clear of
    /// the limit, and one string per row keeps each entity far below the 1 MiB cap however the service counts bytes.
    /// </summary>
    public const int ChunkChars = 30_000;

    public const string TextProperty = "Text";

    public static string Prefix(JobText text) => text switch
    {
        JobText.Request => "request-",
        JobText.Answer => "answer-",
        JobText.Reasoning => "trace-",
        JobText.ReasoningDetails => "details-",
        JobText.ToolCalls => "tools-",
        JobText.Payload => "payload-",
        JobText.Conversation => "conversation-",
        JobText.Logprobs => "logprobs-",
        _ => throw new ArgumentOutOfRangeException(nameof(text), text, null),
    };

    /// <summary>
    /// The key of chunk <paramref name="index"/> of a text written by the write <paramref name="version"/>:
    /// <c>trace-k7c2m9qa-00003</c>. Each write's rows have keys of their own, so a writer that loses the race for the
    /// job row can never overwrite the rows the winner's job row points at. Rows stored before versions existed have
    /// keys without one (<c>trace-00003</c>).
    /// </summary>
    public static string RowKey(JobText text, string? version, int index) =>
        Prefix(text) + (version is null ? "" : version + "-") + index.ToString("D5", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A new write version: eight random characters of [0-9a-z], so keys sort and compare as plain ASCII.</summary>
    public static string NewVersion()
    {
        const string Alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
        return string.Create(8, 0, static (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = Alphabet[System.Security.Cryptography.RandomNumberGenerator.GetInt32(Alphabet.Length)];
            }
        });
    }

    /// <summary>Splits a text into chunks of at most <paramref name="maxChars"/>, never between the halves of a surrogate pair.</summary>
    public static List<string> Split(string text, int maxChars = ChunkChars)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxChars, 2);
        var chunks = new List<string>(text.Length / maxChars + 1);
        var start = 0;
        while (start < text.Length)
        {
            var length = Math.Min(maxChars, text.Length - start);
            if (start + length < text.Length && char.IsHighSurrogate(text[start + length - 1]))
            {
                length--;
            }

            chunks.Add(text.Substring(start, length));
            start += length;
        }

        return chunks;
    }
}
