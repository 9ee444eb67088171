using System.Text.Json;
using System.Text.Json.Serialization;

namespace PromptQueue.Core.OpenRouter;

/// <summary>
/// Writes a <see cref="JsonElement"/> as its original text. The built-in converter re-encodes strings, which would change
/// reasoning_details that OpenRouter requires back byte for byte.
/// </summary>
internal sealed class VerbatimJsonElementConverter : JsonConverter<JsonElement>
{
    public override JsonElement Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        JsonElement.ParseValue(ref reader);

    public override void Write(Utf8JsonWriter writer, JsonElement value, JsonSerializerOptions options) =>
        writer.WriteRawValue(value.GetRawText(), skipInputValidation: true);
}
