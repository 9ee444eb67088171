using System.Text.Encodings.Web;
using System.Text.Json;

namespace PromptQueue.Simulator;

/// <summary>Serialisation settings for everything the simulator writes.</summary>
internal static class SimulatorJson
{
    /// <summary>Leaves non-ASCII text and quotes readable, as OpenRouter does; the output is never embedded in HTML.</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
