using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace PromptQueue.Core.OpenRouter;

/// <summary>
/// Serializer options for the request body: <see cref="OpenRouterJson.Options"/> plus <c>"stream": true</c> and
/// <c>"usage": {"include": true}</c>, added on the wire only so that <see cref="ChatRequest"/> stays a plain request.
/// </summary>
internal static class StreamingRequestJson
{
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(OpenRouterJson.Options)
        {
            TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { AddStreamingSwitches } },
        };
        options.MakeReadOnly();
        return options;
    }

    private static void AddStreamingSwitches(JsonTypeInfo typeInfo)
    {
        if (typeInfo.Type != typeof(ChatRequest))
        {
            return;
        }

        var stream = typeInfo.CreateJsonPropertyInfo(typeof(bool), "stream");
        stream.Get = _ => true;
        typeInfo.Properties.Add(stream);

        // A no-op today, but older behaviour left cost out of usage unless asked for it.
        var usage = typeInfo.CreateJsonPropertyInfo(typeof(UsageSwitch), "usage");
        usage.Get = _ => UsageSwitch.IncludeAll;
        typeInfo.Properties.Add(usage);
    }

    private sealed record UsageSwitch(bool Include)
    {
        public static UsageSwitch IncludeAll { get; } = new(true);
    }
}
