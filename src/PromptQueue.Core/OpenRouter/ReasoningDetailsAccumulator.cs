using System.Buffers;
using System.Collections.Frozen;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace PromptQueue.Core.OpenRouter;

/// <summary>
/// Merges streamed reasoning_details fragments, in order. Consecutive fragments of a known type with the same type and
/// index become one item: their text, summary or data is concatenated and every other member keeps its last non-null value.
/// Items of any other type are kept verbatim, because they must go back to the provider unchanged.
/// </summary>
internal sealed class ReasoningDetailsAccumulator
{
    private static readonly FrozenSet<string> MergeableTypes =
        FrozenSet.Create(StringComparer.Ordinal, "reasoning.text", "reasoning.summary", "reasoning.encrypted");

    private static readonly FrozenSet<string> ConcatenatedMembers = FrozenSet.Create(StringComparer.Ordinal, "text", "summary", "data");

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // The output is stored and sent back as JSON, never embedded in HTML, so non-ASCII text need not be escaped.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly List<IReasoningDetail> _items = [];

    public void Add(JsonElement fragment)
    {
        var type = fragment.GetStringOrNull("type");
        if (type is null || !MergeableTypes.Contains(type))
        {
            _items.Add(new VerbatimDetail(fragment.GetRawText()));
            return;
        }

        var index = fragment.GetInt32OrNull("index");
        if (_items.Count == 0 || _items[^1] is not MergedDetail last || !last.Continues(type, index))
        {
            last = new MergedDetail(type, index);
            _items.Add(last);
        }

        last.Merge(fragment);
    }

    /// <summary>The merged items as a JSON array, or null when none arrived.</summary>
    public string? ToJsonArray()
    {
        if (_items.Count == 0)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartArray();
            foreach (var item in _items)
            {
                item.WriteTo(writer);
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private interface IReasoningDetail
    {
        void WriteTo(Utf8JsonWriter writer);
    }

    private sealed class VerbatimDetail(string rawJson) : IReasoningDetail
    {
        public void WriteTo(Utf8JsonWriter writer) => writer.WriteRawValue(rawJson, skipInputValidation: true);
    }

    private sealed class MergedDetail(string type, int? index) : IReasoningDetail
    {
        // Members in the order first seen, so that the merged item reads like the fragments did.
        private readonly List<string> _memberOrder = [];
        private readonly Dictionary<string, StringBuilder> _concatenated = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _lastRawValues = new(StringComparer.Ordinal);

        public bool Continues(string otherType, int? otherIndex) => otherType == type && otherIndex == index;

        public void Merge(JsonElement fragment)
        {
            foreach (var member in fragment.EnumerateObject())
            {
                if (!_memberOrder.Contains(member.Name))
                {
                    _memberOrder.Add(member.Name);
                }

                if (ConcatenatedMembers.Contains(member.Name))
                {
                    AppendText(member);
                }
                else if (member.Value.ValueKind != JsonValueKind.Null)
                {
                    _lastRawValues[member.Name] = member.Value.GetRawText();
                }
            }
        }

        public void WriteTo(Utf8JsonWriter writer)
        {
            writer.WriteStartObject();
            foreach (var name in _memberOrder)
            {
                writer.WritePropertyName(name);
                if (_concatenated.TryGetValue(name, out var text))
                {
                    writer.WriteStringValue(text.ToString());
                }
                else if (_lastRawValues.TryGetValue(name, out var rawValue))
                {
                    writer.WriteRawValue(rawValue, skipInputValidation: true);
                }
                else
                {
                    writer.WriteNullValue();
                }
            }

            writer.WriteEndObject();
        }

        private void AppendText(JsonProperty member)
        {
            if (member.Value.ValueKind != JsonValueKind.String)
            {
                return;
            }

            if (!_concatenated.TryGetValue(member.Name, out var text))
            {
                text = new StringBuilder();
                _concatenated.Add(member.Name, text);
            }

            text.Append(member.Value.GetString());
        }
    }
}
