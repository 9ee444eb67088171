using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PromptQueue.Contracts;

/// <summary>The JSON settings of the job contract: snake_case names, as in OpenRouter's API.</summary>
public static class ContractJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DictionaryKeyPolicy = null,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,

            // Answers, reasoning and names are text in every language: 'für' stays 'für', a quote stays '\"', not
            // '\u00FC' and '\u0022'. The default encoder escapes them so that JSON can be pasted into HTML; ours is
            // never inlined there: the API serves it as application/json (or x-ndjson) with nosniff, the CLI prints
            // it, and storage keeps it. The relaxed encoder still escapes what JSON itself requires (quotes,
            // backslashes, control characters), and a lone surrogate never reaches it (the reader refuses one). A
            // page that embeds this JSON in HTML must encode it for HTML, as with any JSON.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
