using System.Globalization;
using System.Text.Json;

namespace PromptQueue.Core.OpenRouter;

/// <summary>Lenient reads of optional JSON members: a missing, null or wrongly typed member reads as null instead of throwing.</summary>
internal static class JsonElementReading
{
    public static bool TryGetMember(this JsonElement element, string name, JsonValueKind kind, out JsonElement member)
    {
        if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out member) && member.ValueKind == kind)
        {
            return true;
        }

        member = default;
        return false;
    }

    public static string? GetStringOrNull(this JsonElement element, string name) =>
        element.TryGetMember(name, JsonValueKind.String, out var member) ? member.GetString() : null;

    /// <summary>Reads a string or a number as text, for fields such as error codes that providers send either way.</summary>
    public static string? GetTextOrNull(this JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var member))
        {
            return null;
        }

        return member.ValueKind switch
        {
            JsonValueKind.String => member.GetString(),
            JsonValueKind.Number => member.GetRawText(),
            _ => null,
        };
    }

    public static int? GetInt32OrNull(this JsonElement element, string name)
    {
        var text = element.GetTextOrNull(name);
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    public static decimal? GetDecimalOrNull(this JsonElement element, string name)
    {
        var text = element.GetTextOrNull(name);
        return decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    public static double? GetDoubleOrNull(this JsonElement element, string name)
    {
        var text = element.GetTextOrNull(name);
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    public static bool? GetBooleanOrNull(this JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var member))
        {
            return null;
        }

        return member.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => null,
        };
    }
}
