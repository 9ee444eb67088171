using System.Buffers;
using System.Text;
using System.Text.Json;

namespace PromptQueue.Core.OpenRouter;

/// <summary>
/// Gathers a choice's <c>logprobs</c>: a stream sends the entries of each chunk's tokens, a whole message all of them.
/// The <c>content</c> and <c>refusal</c> entries are joined in order, each kept as the provider sent it.
/// </summary>
internal sealed class LogprobsAccumulator
{
    private readonly List<string> _content = [];
    private readonly List<string> _refusal = [];

    public void Add(JsonElement logprobs)
    {
        Append(logprobs, "content", _content);
        Append(logprobs, "refusal", _refusal);
    }

    /// <summary><c>{"content":[...],"refusal":[...]}</c>, or null when no entry arrived.</summary>
    public string? ToJson()
    {
        if (_content.Count == 0 && _refusal.Count == 0)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            WriteArray(writer, "content", _content);
            WriteArray(writer, "refusal", _refusal);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void Append(JsonElement logprobs, string name, List<string> entries)
    {
        if (logprobs.TryGetMember(name, JsonValueKind.Array, out var items))
        {
            entries.AddRange(items.EnumerateArray().Select(item => item.GetRawText()));
        }
    }

    private static void WriteArray(Utf8JsonWriter writer, string name, List<string> entries)
    {
        writer.WriteStartArray(name);
        foreach (var entry in entries)
        {
            writer.WriteRawValue(entry, skipInputValidation: true);
        }

        writer.WriteEndArray();
    }
}
