using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace PromptQueue.IntegrationTests.Notices;

/// <summary>One POST the receiver got: its raw body and the PromptQueue headers.</summary>
internal sealed record ReceivedWebhook(string Body, string? Timestamp, string? Signature, string? Delivery);

/// <summary>A loopback HTTP server on a free port that records webhook POSTs and answers with scripted statuses.</summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<int> _statuses;

    private WebhookReceiver(WebApplication app, ConcurrentQueue<int> statuses, Uri url)
    {
        _app = app;
        _statuses = statuses;
        Url = url;
    }

    public Uri Url { get; }

    public ConcurrentQueue<ReceivedWebhook> Received { get; } = new();

    /// <summary>Starts answering with <paramref name="statuses"/> in turn, then 200 once they run out.</summary>
    public static async Task<WebhookReceiver> StartAsync(params int[] statuses)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var queue = new ConcurrentQueue<int>(statuses);
        WebhookReceiver? receiver = null;
        app.MapPost("/hook", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var headers = context.Request.Headers;
            receiver!.Received.Enqueue(new ReceivedWebhook(
                await reader.ReadToEndAsync(context.RequestAborted),
                headers["X-PromptQueue-Timestamp"].FirstOrDefault(),
                headers["X-PromptQueue-Signature"].FirstOrDefault(),
                headers["X-PromptQueue-Delivery"].FirstOrDefault()));
            return Results.StatusCode(queue.TryDequeue(out var status) ? status : 200);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver = new WebhookReceiver(app, queue, new Uri(address + "/hook"));
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        _statuses.Clear();
        await _app.DisposeAsync();
    }
}
