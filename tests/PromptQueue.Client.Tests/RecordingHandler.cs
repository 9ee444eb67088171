using System.Net;
using System.Text;
using PromptQueue.Contracts.Api;

namespace PromptQueue.Client.Tests;

/// <summary>One request as the server would have seen it.</summary>
public sealed record RecordedRequest(HttpMethod Method, Uri Uri, IReadOnlyDictionary<string, string> Headers, string? ContentType, string Body);

/// <summary>An <see cref="HttpMessageHandler"/> that records every request and answers from a script, in order.</summary>
public sealed class RecordingHandler : HttpMessageHandler
{
    private readonly Queue<Func<RecordedRequest, HttpResponseMessage>> _answers = new();

    public List<RecordedRequest> Requests { get; } = [];

    public RecordingHandler Answer(Func<RecordedRequest, HttpResponseMessage> answer)
    {
        _answers.Enqueue(answer);
        return this;
    }

    public RecordingHandler AnswerJson(HttpStatusCode status, string json, string mediaType = "application/json") =>
        Answer(_ => Json(status, json, mediaType));

    public static HttpResponseMessage Json(HttpStatusCode status, string json, string mediaType = "application/json") =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, mediaType) };

    public static HttpResponseMessage Problem(HttpStatusCode status, string title, string? detail = null, string errorsJson = "null") =>
        Json(status, $$"""{"type":"about:blank","title":"{{title}}","status":{{(int)status}},"detail":{{(detail is null ? "null" : $"\"{detail}\"")}},"errors":{{errorsJson}}}""", ApiProblem.ContentType);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var headers = request.Headers.ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        var recorded = new RecordedRequest(request.Method, request.RequestUri!, headers, request.Content?.Headers.ContentType?.ToString(), body);
        Requests.Add(recorded);
        Assert.True(_answers.Count > 0, $"unexpected request {request.Method} {request.RequestUri}");
        return _answers.Dequeue()(recorded);
    }
}
