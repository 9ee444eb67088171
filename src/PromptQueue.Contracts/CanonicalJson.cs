using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace PromptQueue.Contracts;

/// <summary>
/// One form for JSON that means the same: object members sorted by name, no whitespace, strings as their values and
/// numbers by value (<c>1.0</c>, <c>1</c> and <c>1e0</c> alike), in the spirit of RFC 8785. Two submissions of the same
/// job, whatever a serializer did to its whitespace or key order, get the same hash.
/// </summary>
/// <remarks>
/// Strings are written with one fixed escaping, so equal strings give equal bytes. A number is kept as a decimal
/// when one holds it exactly, so 64-bit seeds never collapse into the same double.
/// </remarks>
public static class CanonicalJson
{
    /// <summary>Marks a hash of the canonical form, so it is never mistaken for a hash of raw bytes.</summary>
    public const string HashPrefix = "c1-";

    /// <summary>
    /// The hash of a validated job: of its typed fields as the worker will send them (so <c>0.10000000000000001</c>
    /// and <c>0.1</c>, or <c>"tools": null</c> and no tools, are one job), and of its pass-through JSON canonically.
    /// </summary>
    public static string Hash(PromptJob job) => Hash(JsonSerializer.SerializeToElement(job, ContractJson.Options));

    /// <summary>The SHA-256 of the canonical form, prefixed with <see cref="HashPrefix"/>.</summary>
    public static string Hash(JsonElement element)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(element, writer);
        }

        return HashPrefix + Convert.ToHexString(SHA256.HashData(buffer.WrittenSpan));
    }

    private static void Write(JsonElement element, Utf8JsonWriter writer)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    Write(property.Value, writer);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    Write(item, writer);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.String:
                writer.WriteStringValue(element.GetString());
                break;
            case JsonValueKind.Number:
                writer.WriteRawValue(CanonicalNumber(element), skipInputValidation: true);
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }

    /// <summary>A decimal where one holds the value exactly (integers of 64 bits included), else the shortest double.</summary>
    private static string CanonicalNumber(JsonElement number) =>
        number.TryGetDecimal(out var exact) ? exact.ToString("G29", CultureInfo.InvariantCulture)
        : number.TryGetDouble(out var approximate) && double.IsFinite(approximate) ? approximate.ToString("R", CultureInfo.InvariantCulture)
        : number.GetRawText();
}
