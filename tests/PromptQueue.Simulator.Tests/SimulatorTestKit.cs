using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json.Nodes;

namespace PromptQueue.Simulator.Tests;

/// <summary>Builds chat requests against a running simulator and reads the replies.</summary>
internal static class ChatCalls
{
    public const string FreeModel = "openai/gpt-oss-120b:free";
    public const string PaidModel = "openai/gpt-oss-120b";

    public static HttpClient CreateClient(OpenRouterSimulator simulator) => new() { BaseAddress = simulator.BaseUrl };

    public static string Body(string userText, bool stream, string model = FreeModel, Action<JsonObject>? customise = null)
    {
        var body = new JsonObject
        {
            ["model"] = model,
            ["stream"] = stream,
            ["messages"] = new JsonArray(
                new JsonObject { ["role"] = "system", ["content"] = "You are terse." },
                new JsonObject { ["role"] = "user", ["content"] = userText }),
        };
        customise?.Invoke(body);
        return body.ToJsonString();
    }

    public static HttpRequestMessage Request(string body) => new(HttpMethod.Post, "chat/completions")
    {
        Content = new StringContent(body, Encoding.UTF8, "application/json"),
    };

    public static Task<HttpResponseMessage> PostAsync(HttpClient client, string body, CancellationToken ct = default) =>
        client.SendAsync(Request(body), HttpCompletionOption.ResponseHeadersRead, ct);

    public static async Task<StreamedReply> StreamAsync(HttpClient client, string userText, string model = FreeModel)
    {
        using var response = await PostAsync(client, Body(userText, stream: true, model));
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return await StreamedReply.ReadAsync(response);
    }

    public static async Task<JsonObject> CompleteAsync(HttpClient client, string userText, string model = FreeModel)
    {
        using var response = await PostAsync(client, Body(userText, stream: false, model));
        response.EnsureSuccessStatusCode();
        return ParseObject(await response.Content.ReadAsStringAsync());
    }

    public static JsonObject ParseObject(string json) => JsonNode.Parse(json)!.AsObject();
}

/// <summary>A fully read SSE reply: the raw text (comments included) and the data payloads in order.</summary>
internal sealed record StreamedReply(string RawText, IReadOnlyList<string> Data)
{
    public const string Done = "[DONE]";

    public bool EndsWithDone => Data.Count > 0 && Data[^1] == Done;

    public IReadOnlyList<JsonObject> Chunks => Data.Where(d => d != Done).Select(ChatCalls.ParseObject).ToList();

    public string Reasoning => string.Concat(Chunks.Select(c => (string?)Delta(c)["reasoning"]));

    public string ReasoningDetailsText => string.Concat(
        Chunks.SelectMany(c => Delta(c)["reasoning_details"]?.AsArray() ?? [])
            .Where(d => (string?)d!["type"] == "reasoning.text")
            .Select(d => (string?)d!["text"]));

    public string Content => string.Concat(Chunks.Select(c => (string?)Delta(c)["content"]));

    public static async Task<StreamedReply> ReadAsync(HttpResponseMessage response)
    {
        var raw = await response.Content.ReadAsStringAsync();
        var data = new List<string>();
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(raw));
        await foreach (var item in SseParser.Create(stream).EnumerateAsync())
        {
            data.Add(item.Data);
        }

        return new StreamedReply(raw, data);
    }

    public static JsonObject Choice(JsonObject chunk) => chunk["choices"]![0]!.AsObject();

    public static JsonObject Delta(JsonObject chunk) => Choice(chunk)["delta"]!.AsObject();
}

/// <summary>One simulator shared by a test class whose tests neither count calls nor hit the limits.</summary>
public sealed class SharedSimulator : IAsyncLifetime
{
    private OpenRouterSimulator? _simulator;

    public OpenRouterSimulator Simulator => _simulator ?? throw new InvalidOperationException("Not started.");

    public HttpClient CreateClient() => ChatCalls.CreateClient(Simulator);

    public async Task InitializeAsync() =>
        _simulator = await OpenRouterSimulator.StartAsync(new SimulatorOptions { RequestsPerMinute = 1_000_000, RequestsPerDay = 1_000_000 });

    public async Task DisposeAsync()
    {
        if (_simulator is not null)
        {
            await _simulator.DisposeAsync();
        }
    }
}
