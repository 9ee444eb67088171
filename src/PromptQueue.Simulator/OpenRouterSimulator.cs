using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace PromptQueue.Simulator;

/// <summary>An in-process HTTP server that behaves like OpenRouter's chat completions API, for tests, benchmarks and offline runs.</summary>
public sealed class OpenRouterSimulator : IAsyncDisposable
{
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(5);

    private readonly WebApplication _app;
    private readonly FreeTierRateLimiter _limiter;
    private readonly TrafficRecorder _recorder;

    private OpenRouterSimulator(WebApplication app, FreeTierRateLimiter limiter, TrafficRecorder recorder, Uri baseUrl)
    {
        _app = app;
        _limiter = limiter;
        _recorder = recorder;
        BaseUrl = baseUrl;
    }

    /// <summary>The API root with a trailing slash, e.g. <c>http://127.0.0.1:5123/api/v1/</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>Every chat call received, refused or not.</summary>
    public int ChatRequestCount => _recorder.ChatRequestCount;

    /// <summary>Chat calls that passed authentication, validation and the account limits (paid models always pass the limits).</summary>
    public int AdmittedCount => _recorder.AdmittedCount;

    /// <summary>Chat calls refused with the platform's own free-tier 429 (scripted or random upstream 429s are not counted).</summary>
    public int RateLimitedCount => _recorder.RateLimitedCount;

    /// <summary>The most chat calls admitted within one fixed simulated minute (aligned to the whole minute).</summary>
    public int MaxAdmittedInAnyMinute => _recorder.MaxAdmittedInAnyMinute;

    /// <summary>The most chat calls admitted within any simulated minute, wherever it starts: the strict reading of the limit.</summary>
    public int MaxAdmittedInAnySlidingMinute => _recorder.MaxAdmittedInAnySlidingMinute;

    /// <summary>When each admitted chat call was admitted, on the real clock, oldest first: for gaps and spreads.</summary>
    public IReadOnlyList<DateTimeOffset> AdmittedAt => _recorder.AdmittedAt;

    /// <summary>Raw bodies of the most recent chat calls, oldest first, at most <see cref="SimulatorOptions.ReceivedBodyCapacity"/>.</summary>
    public IReadOnlyList<string> ReceivedBodies => _recorder.ReceivedBodies;

    /// <summary>Chat calls received whose answer has not ended yet (held, or being written).</summary>
    public int InFlightCount => _recorder.InFlightCount;

    /// <summary>Chat calls whose answer has ended: written whole, refused, or cut off.</summary>
    public int FinishedCount => _recorder.FinishedCount;

    /// <summary>
    /// Holds every answer once its request is received, until <see cref="ReleaseResponses"/>: a test can then do
    /// something (stop storage, stop a worker) while calls are certainly in flight, instead of hoping for one.
    /// </summary>
    public void HoldResponses() => _recorder.HoldResponses();

    /// <summary>Lets held answers, and every later one, go out.</summary>
    public void ReleaseResponses() => _recorder.ReleaseResponses();

    /// <summary>Headers of the most recent chat call, looked up case-insensitively; empty before the first call.</summary>
    public IReadOnlyDictionary<string, string> LastChatRequestHeaders => _recorder.LastChatRequestHeaders;

    /// <summary>Starts listening on 127.0.0.1 and returns once the port is bound.</summary>
    public static async Task<OpenRouterSimulator> StartAsync(SimulatorOptions? options = null, CancellationToken ct = default)
    {
        options ??= new SimulatorOptions();
        options.Validate();

        var clock = new SimulatedClock(options.TimeProvider, options.TimeScale);
        var limiter = new FreeTierRateLimiter(clock, options.RequestsPerMinute, options.RequestsPerDay, options.PerMinuteWindow);
        var recorder = new TrafficRecorder(clock, options.ReceivedBodyCapacity);
        var app = BuildHost(options.Port);
        var chat = new ChatCompletionsEndpoint(options, clock, limiter, recorder, new FaultDice(options), app.Lifetime.ApplicationStopping);
        app.MapPost("/api/v1/chat/completions", chat.HandleAsync);
        app.MapGet("/api/v1/key", new KeyEndpoint(options, limiter).HandleAsync);

        try
        {
            await app.StartAsync(ct);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new OpenRouterSimulator(app, limiter, recorder, new Uri(ListeningAddress(app) + "/api/v1/"));
    }

    /// <summary>Returns the header of the most recent chat call, or null when it was absent.</summary>
    public string? GetLastChatRequestHeader(string name) => LastChatRequestHeaders.GetValueOrDefault(name);

    /// <summary>Forgets the calls counted against the per-minute and per-day windows, as if a new day had begun.</summary>
    public void ResetLimits() => _limiter.Reset();

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(ShutdownTimeout);
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }

    private static WebApplication BuildHost(int port)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(OpenRouterSimulator).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });

        // Quiet, and no Ctrl+C handling of its own: the embedding test or Program decides when to stop.
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IHostLifetime>(new EmbeddedHostLifetime());
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = ShutdownTimeout);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        return builder.Build();
    }

    private static string ListeningAddress(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.First().TrimEnd('/')
        ?? throw new InvalidOperationException("Kestrel did not report the address it listens on.");

    /// <summary>A host lifetime that neither waits for nor listens to console signals.</summary>
    private sealed class EmbeddedHostLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
