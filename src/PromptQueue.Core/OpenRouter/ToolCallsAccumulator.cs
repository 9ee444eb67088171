using System.Text;
using System.Text.Json;

namespace PromptQueue.Core.OpenRouter;

/// <summary>Merges streamed tool-call fragments by their index: identity from the first fragment that has it, arguments concatenated.</summary>
internal sealed class ToolCallsAccumulator
{
    private readonly SortedDictionary<int, ToolCallBuilder> _calls = [];

    /// <param name="fragment">One element of a delta's tool_calls array.</param>
    /// <param name="position">Its position in that array, used when the provider leaves out <c>index</c>.</param>
    public void Add(JsonElement fragment, int position)
    {
        if (fragment.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        var index = fragment.GetInt32OrNull("index") ?? position;
        if (!_calls.TryGetValue(index, out var call))
        {
            call = new ToolCallBuilder();
            _calls.Add(index, call);
        }

        call.Add(fragment);
    }

    public IReadOnlyList<ToolCall> Build() => [.. _calls.Values.Select(call => call.Build())];

    private sealed class ToolCallBuilder
    {
        private readonly StringBuilder _arguments = new();
        private string? _id;
        private string? _type;
        private string? _name;

        public void Add(JsonElement fragment)
        {
            _id ??= NonEmpty(fragment.GetStringOrNull("id"));
            _type ??= NonEmpty(fragment.GetStringOrNull("type"));

            if (fragment.TryGetMember("function", JsonValueKind.Object, out var function))
            {
                _name ??= NonEmpty(function.GetStringOrNull("name"));
                AppendArguments(function);
            }
        }

        public ToolCall Build() => new(_id ?? "", _type ?? "function", _name ?? "", _arguments.ToString());

        private void AppendArguments(JsonElement function)
        {
            if (!function.TryGetProperty("arguments", out var arguments))
            {
                return;
            }

            // Arguments are a JSON string by spec; a provider that sends an object gets its JSON kept as is.
            switch (arguments.ValueKind)
            {
                case JsonValueKind.String:
                    _arguments.Append(arguments.GetString());
                    break;
                case JsonValueKind.Object or JsonValueKind.Array:
                    _arguments.Append(arguments.GetRawText());
                    break;
            }
        }

        private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
    }
}
