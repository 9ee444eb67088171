using System.Text.Json.Nodes;

namespace PromptQueue.Simulator;

/// <summary>Writes server-sent events, flushing each one so the client sees it at once.</summary>
internal sealed class SseWriter
{
    private readonly HttpResponse _response;
    private readonly CancellationToken _ct;

    private SseWriter(HttpResponse response, CancellationToken ct)
    {
        _response = response;
        _ct = ct;
    }

    /// <summary>Sends the 200 status and headers straight away, as OpenRouter does before the model has produced anything.</summary>
    public static async Task<SseWriter> StartAsync(HttpResponse response, CancellationToken ct)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        await response.StartAsync(ct);
        await response.Body.FlushAsync(ct);
        return new SseWriter(response, ct);
    }

    public Task WriteCommentAsync(string text) => WriteAsync($": {text}\n\n");

    public Task WriteJsonAsync(JsonNode data) => WriteRawDataAsync(data.ToJsonString(SimulatorJson.Options));

    /// <summary>Writes a data line verbatim; the caller vouches for (or deliberately breaks) its JSON.</summary>
    public Task WriteRawDataAsync(string data) => WriteAsync($"data: {data}\n\n");

    public Task WriteDoneAsync() => WriteRawDataAsync("[DONE]");

    private async Task WriteAsync(string text)
    {
        await _response.WriteAsync(text, _ct);
        await _response.Body.FlushAsync(_ct);
    }
}
