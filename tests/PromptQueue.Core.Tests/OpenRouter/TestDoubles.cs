using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PromptQueue.Core.OpenRouter;

namespace PromptQueue.Core.Tests.OpenRouter;

/// <summary>An HttpMessageHandler that records the request and answers with a canned response.</summary>
internal sealed class StubHandler(Func<HttpRequestMessage, HttpResponseMessage> respond) : HttpMessageHandler
{
    public HttpRequestMessage? LastRequest { get; private set; }

    public string? LastRequestBody { get; private set; }

    public static StubHandler Returning(HttpResponseMessage response) => new(_ => response);

    public static StubHandler Throwing(Exception exception) => new(_ => throw exception);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        LastRequest = request;
        LastRequestBody = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        return respond(request);
    }
}

/// <summary>Canned HTTP responses with the content types OpenRouter uses.</summary>
internal static class Responses
{
    public static HttpResponseMessage EventStream(string body, params (string Name, string Value)[] headers) =>
        Create(HttpStatusCode.OK, new StringContent(body, Encoding.UTF8, "text/event-stream"), headers);

    public static HttpResponseMessage EventStream(Stream body) =>
        Create(HttpStatusCode.OK, WithContentType(new StreamContent(body), "text/event-stream"), []);

    public static HttpResponseMessage Json(HttpStatusCode status, string body, params (string Name, string Value)[] headers) =>
        Create(status, new StringContent(body, Encoding.UTF8, "application/json"), headers);

    public static HttpResponseMessage Html(HttpStatusCode status, string body) =>
        Create(status, new StringContent(body, Encoding.UTF8, "text/html"), []);

    private static HttpResponseMessage Create(HttpStatusCode status, HttpContent content, (string Name, string Value)[] headers)
    {
        var response = new HttpResponseMessage(status) { Content = content };
        foreach (var (name, value) in headers)
        {
            response.Headers.TryAddWithoutValidation(name, value);
        }

        return response;
    }

    private static StreamContent WithContentType(StreamContent content, string mediaType)
    {
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return content;
    }
}

/// <summary>
/// A response stream the test feeds piece by piece. Every time the reader has to wait for data it signals, so a test can
/// advance fake time exactly while the client is blocked on the network.
/// </summary>
internal sealed class ScriptedStream : Stream
{
    private readonly Channel<Func<byte[]>> _pieces = Channel.CreateUnbounded<Func<byte[]>>();
    private readonly Channel<bool> _readerWaiting = Channel.CreateUnbounded<bool>();
    private ReadOnlyMemory<byte> _leftover;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public void Send(string text) => _pieces.Writer.TryWrite(() => Encoding.UTF8.GetBytes(text));

    public void End() => _pieces.Writer.TryWrite(() => []);

    public void Fail(Exception exception) => _pieces.Writer.TryWrite(() => throw exception);

    /// <summary>Completes once the reader has consumed everything sent so far and is waiting for more.</summary>
    public async Task ReaderWaitingAsync()
    {
        try
        {
            await _readerWaiting.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            Assert.Fail("The client stopped reading from the stream.");
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_leftover.IsEmpty)
        {
            if (!_pieces.Reader.TryRead(out var next))
            {
                _readerWaiting.Writer.TryWrite(true);
                next = await _pieces.Reader.ReadAsync(cancellationToken);
            }

            _leftover = next();
            if (_leftover.IsEmpty)
            {
                return 0;
            }
        }

        var count = Math.Min(buffer.Length, _leftover.Length);
        _leftover[..count].CopyTo(buffer);
        _leftover = _leftover[count..];
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("The client must read asynchronously.");

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

}

/// <summary>A logger that keeps every formatted message and structured value, to prove what is and is not logged.</summary>
internal sealed class CapturingLogger<T> : ILogger<T>
{
    private readonly List<string> _entries = [];

    public IReadOnlyList<string> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(";", pairs.Select(pair => $"{pair.Key}={pair.Value}")) : "";
        lock (_entries)
        {
            _entries.Add($"{logLevel}: {formatter(state, exception)} | {values} | {exception}");
        }
    }
}

/// <summary>Builds a client wired to a stub handler, the way the DI registration would.</summary>
internal static class TestClients
{
    public const string ApiKey = "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";

    public static OpenRouterChatClient Create(
        HttpMessageHandler handler,
        TimeProvider? time = null,
        Action<OpenRouterOptions>? configure = null,
        ILogger<OpenRouterChatClient>? logger = null)
    {
        var options = new OpenRouterOptions { ApiKey = ApiKey, Referer = "https://promptqueue.example", Title = "PromptQueue" };
        configure?.Invoke(options);
        var http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        return new OpenRouterChatClient(http, Options.Create(options), time ?? TimeProvider.System, logger ?? new CapturingLogger<OpenRouterChatClient>());
    }

    public static ChatRequest Request(string prompt = "What is 2+2?") => new() { Messages = [ChatMessage.FromText("user", prompt)] };
}
