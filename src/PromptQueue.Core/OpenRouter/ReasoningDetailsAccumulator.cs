using System.Buffers;
using System.Collections.Frozen;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace PromptQueue.Core.OpenRouter;

/// <summary>
/// Gathers reasoning_details items in order, joining the streamed fragments of one item and nothing else, because
/// the items go back to the provider on a continuation and must be exactly the ones it sent.
/// </summary>
/// <remarks>
/// A streamed fragment continues the item before it only when both are of a known type and carry the same type
/// and index, their ids do not differ, the item is not closed by a signature, and no content or tool call came
/// between them; its text, summary or data is appended and every other member keeps its last non-null value.
/// Anything else starts a new item. An item that arrived whole (every element of a non-streaming message, and any
/// item seen as one fragment only) is kept byte for byte.
/// </remarks>
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

    private readonly List<Item> _items = [];

    /// <summary>The item streamed fragments may still extend; null once the stream moved on.</summary>
    private Item? _open;

    /// <summary>Adds one streamed fragment.</summary>
    public void AddFragment(JsonElement fragment)
    {
        var type = fragment.GetStringOrNull("type");
        if (type is null || !MergeableTypes.Contains(type))
        {
            AddWhole(fragment);
            return;
        }

        var index = fragment.GetInt32OrNull("index");
        var id = fragment.GetStringOrNull("id");
        if (_open is null || !_open.Continues(type, index, id))
        {
            _open = new Item(type, index);
            _items.Add(_open);
        }

        _open.Merge(fragment);
    }

    /// <summary>Adds an item that arrived complete, as an element of a non-streaming message.</summary>
    public void AddWhole(JsonElement item)
    {
        _items.Add(Item.Verbatim(item));
        _open = null;
    }

    /// <summary>The stream moved on (content or a tool call came): the next fragment starts a new item.</summary>
    public void EndItem() => _open = null;

    /// <summary>The items as a JSON array, or null when none arrived.</summary>
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

    /// <summary>One item: kept as the raw text of its only fragment, or merged from several.</summary>
    private sealed class Item(string? type, int? index)
    {
        // Members in the order first seen, so that the merged item reads like the fragments did.
        private readonly List<string> _memberOrder = [];
        private readonly Dictionary<string, StringBuilder> _concatenated = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _lastRawValues = new(StringComparer.Ordinal);
        private string? _firstRaw;
        private int _fragments;
        private string? _id;
        private bool _signed;

        public static Item Verbatim(JsonElement whole) => new(type: null, index: null) { _firstRaw = whole.GetRawText(), _fragments = 1 };

        public bool Continues(string otherType, int? otherIndex, string? otherId) =>
            !_signed && otherType == type && otherIndex == index && (otherId is null || _id is null || otherId == _id);

        public void Merge(JsonElement fragment)
        {
            _fragments++;
            _firstRaw ??= fragment.GetRawText();
            _id ??= fragment.GetStringOrNull("id");
            _signed = fragment.GetStringOrNull("signature") is { Length: > 0 };
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
            if (_fragments == 1)
            {
                writer.WriteRawValue(_firstRaw!, skipInputValidation: true);
                return;
            }

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
