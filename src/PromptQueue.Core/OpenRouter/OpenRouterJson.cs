using System.Text.Json;
using System.Text.Json.Serialization;

namespace PromptQueue.Core.OpenRouter;

/// <summary>The JSON conventions of OpenRouter's wire format: snake_case names, nulls left out, raw JSON passed through verbatim.</summary>
public static class OpenRouterJson
{
    /// <summary>Options for the request and response types of this namespace.</summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.Converters.Add(new VerbatimJsonElementConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
