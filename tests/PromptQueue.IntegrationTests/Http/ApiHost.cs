using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using PromptQueue.Cli.Commands;
using PromptQueue.Core;
using PromptQueue.Http;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Http;

/// <summary>
/// <c>promptq serve</c>'s web app, built by <see cref="ServeCommand.Build"/> on a free Kestrel port against a
/// <see cref="TestApp"/>'s queue and tables, without the worker loops: the test decides when a job is processed.
/// Every response body is kept, and every log record captured, so a test can prove no secret left the server.
/// </summary>
public sealed class ApiHost : IAsyncDisposable
{
    private readonly WebApplication _web;
    private readonly ConcurrentQueue<string> _bodies;

    private ApiHost(WebApplication web, string apiKey, ConcurrentQueue<string> bodies)
    {
        _web = web;
        _bodies = bodies;
        ApiKey = apiKey;
        var baseAddress = new Uri(web.Urls.Single());
        Client = new HttpClient(new RecordingHandler(bodies)) { BaseAddress = baseAddress };
        Client.DefaultRequestHeaders.Add(ApiKeyCheck.HeaderName, apiKey);
        Anonymous = new HttpClient(new RecordingHandler(bodies)) { BaseAddress = baseAddress };
    }

    public string ApiKey { get; }

    /// <summary>Sends the API key, as a configured client does.</summary>
    public HttpClient Client { get; }

    /// <summary>Sends no key.</summary>
    public HttpClient Anonymous { get; }

    public IReadOnlyCollection<string> ResponseBodies => _bodies;

    public IReadOnlyList<FakeLogRecord> Logs => _web.Services.GetRequiredService<FakeLogCollector>().GetSnapshot();

    /// <summary>Every route the app maps, as "METHOD /path".</summary>
    public IEnumerable<string> Routes => _web.Services.GetRequiredService<EndpointDataSource>().Endpoints
        .OfType<RouteEndpoint>()
        .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => $"{m} /{e.RoutePattern.RawText!.TrimStart('/')}"));

    public static async Task<ApiHost> StartAsync(TestApp app, Action<IServiceCollection>? configureServices = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        var apiKey = "pq-test-" + Guid.NewGuid().ToString("N");
        var builder = ServeCommand.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(app.Configuration.AsEnumerable());
        builder.Logging.ClearProviders().SetMinimumLevel(LogLevel.Trace).AddFakeLogging();
        builder.Services.AddPromptQueueCore(builder.Configuration).AddPromptQueueHttpApi();
        configureServices?.Invoke(builder.Services);
        var web = ServeCommand.Build(builder, new ServeSettings { Urls = "http://127.0.0.1:0", ApiKey = apiKey });
        await web.StartAsync();
        return new ApiHost(web, apiKey, new ConcurrentQueue<string>());
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Anonymous.Dispose();
        await _web.StopAsync();
        await _web.DisposeAsync();
    }

    private sealed class RecordingHandler(ConcurrentQueue<string> bodies) : DelegatingHandler(new HttpClientHandler())
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            bodies.Enqueue(await response.Content.ReadAsStringAsync(cancellationToken));
            return response;
        }
    }
}
