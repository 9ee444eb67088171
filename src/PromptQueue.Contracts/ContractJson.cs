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

            // JSON has one kind of number: 100, 100.0 and 1e2 are one value, an integer to JSON Schema, and an
            // integer field reads any of them (PromptJobReader has checked that it is whole and fits).
            Converters = { new WholeNumberInt32Converter(), new WholeNumberInt64Converter() },
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}

/// <summary>Reads a whole JSON number however it is written (<c>100</c>, <c>100.0</c>, <c>1e2</c>) as an <see cref="int"/>.</summary>
internal sealed class WholeNumberInt32Converter : JsonConverter<int>
{
    public override int Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TryGetInt32(out var value) ? value : WholeNumber.Narrow(WholeNumber.Read(ref reader), static whole => checked((int)whole));

    public override void Write(Utf8JsonWriter writer, int value, JsonSerializerOptions options) => writer.WriteNumberValue(value);
}

/// <summary>Reads a whole JSON number however it is written (<c>7</c>, <c>7.0</c>, <c>1e18</c>) as a <see cref="long"/>.</summary>
internal sealed class WholeNumberInt64Converter : JsonConverter<long>
{
    public override long Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TryGetInt64(out var value) ? value : WholeNumber.Narrow(WholeNumber.Read(ref reader), static whole => checked((long)whole));

    public override void Write(Utf8JsonWriter writer, long value, JsonSerializerOptions options) => writer.WriteNumberValue(value);
}

internal static class WholeNumber
{
    /// <summary>A whole number out of the target's range is a JSON error like any other, not an overflow.</summary>
    public static T Narrow<T>(decimal whole, Func<decimal, T> convert)
    {
        try
        {
            return convert(whole);
        }
        catch (OverflowException ex)
        {
            throw new JsonException($"{whole} is out of range for {typeof(T).Name}.", ex);
        }
    }

    /// <summary>The value of a whole number written with a fraction or an exponent; anything else is no integer.</summary>
    public static decimal Read(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetDecimal(out var value) && value == decimal.Truncate(value)
            ? value
            : throw new JsonException("The JSON value is not an integer.");
}

