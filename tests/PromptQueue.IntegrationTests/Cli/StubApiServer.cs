using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PromptQueue.Contracts.Api;

namespace PromptQueue.IntegrationTests.Cli;

/// <summary>
/// A stand-in for PromptQueue's HTTP API on a free loopback port: answers every request with the next scripted
/// response, whatever the route, and records what it was asked. The real server lives on another branch until merged.
/// </summary>
public sealed class StubApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<(int Status, string ContentType, string Body)> _script = new();

    private StubApiServer(WebApplication app) => _app = app;

    public sealed record Request(string Method, string PathAndQuery, string? Key, string Body);

    public ConcurrentQueue<Request> Requests { get; } = new();

    public Uri Url { get; private set; } = null!;

    public static async Task<StubApiServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var server = new StubApiServer(builder.Build());
        server._app.Run(server.AnswerAsync);
        await server._app.StartAsync();
        var address = server._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Url = new Uri(address);
        return server;
    }

    public StubApiServer Json(int status, string body) => Enqueue(status, "application/json", body);

    public StubApiServer Problem(int status, string title, string detail, string errors = "null") =>
        Enqueue(status, ApiProblem.ContentType, $$"""{"type":"about:blank","title":"{{title}}","status":{{status}},"detail":"{{detail}}","errors":{{errors}}}""");

    private StubApiServer Enqueue(int status, string contentType, string body)
    {
        _script.Enqueue((status, contentType, body));
        return this;
    }

    private async Task AnswerAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        Requests.Enqueue(new Request(context.Request.Method, context.Request.Path + context.Request.QueryString, context.Request.Headers["x-functions-key"].FirstOrDefault(), body));
        if (!_script.TryDequeue(out var answer))
        {
            answer = (500, "text/plain", "the test scripted no answer for this request");
        }

        context.Response.StatusCode = answer.Status;
        context.Response.ContentType = answer.ContentType;
        await context.Response.WriteAsync(answer.Body, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
