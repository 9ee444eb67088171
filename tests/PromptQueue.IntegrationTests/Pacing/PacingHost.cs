using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PromptQueue.Core;
using PromptQueue.Core.Budget;
using PromptQueue.Core.Processing;
using PromptQueue.Hosting.Worker;
using PromptQueue.Core.Storage;
using PromptQueue.Http;

namespace PromptQueue.IntegrationTests.Pacing;

/// <summary>
/// One standalone host, wired as <c>promptq</c> wires it: PromptQueue's core services plus the queue listener, with a
/// service provider (and so an HTTP client, a budget client and a clock) of its own. Two of these built from the same
/// settings behave like two instances of the app sharing one storage account and one OpenRouter account.
/// </summary>
public sealed class PacingHost : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private bool _listening;

    private PacingHost(ServiceProvider services, ProcessorEvents events)
    {
        _services = services;
        Events = events;
    }

    /// <summary>What this host's processor did, read from its log.</summary>
    public ProcessorEvents Events { get; }

    /// <param name="settings">The configuration, shared by every host of a test.</param>
    public static async Task<PacingHost> CreateAsync(IReadOnlyDictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var events = new ProcessorEvents();
        var services = new ServiceCollection()
            .AddLogging(logging => logging
                .SetMinimumLevel(LogLevel.Warning)
                .AddProvider(events)
                .AddFilter<ProcessorEvents>(typeof(JobProcessor).FullName, LogLevel.Information))
            .AddSingleton<IConfiguration>(configuration)
            .AddPromptQueueCore(configuration)
            .AddPromptQueueHttpApi();
        services.AddJobQueueListener();
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        await provider.GetRequiredService<JobStore>().EnsureCreatedAsync(CancellationToken.None);
        await provider.GetRequiredService<JobQueueClient>().EnsureCreatedAsync(CancellationToken.None);
        await provider.GetRequiredService<TableBudgetStore>().EnsureCreatedAsync(CancellationToken.None);
        return new PacingHost(provider, events);
    }

    public T Get<T>() where T : notnull => _services.GetRequiredService<T>();

    /// <summary>Starts polling the job queue, as the host does at start-up.</summary>
    public Task StartAsync()
    {
        _listening = true;
        return Get<JobQueueListener>().StartAsync(CancellationToken.None);
    }

    /// <summary>Stops polling and waits for the listener to return, as the host does within its shutdown timeout.</summary>
    public async Task StopAsync()
    {
        if (!_listening)
        {
            return;
        }

        // A delivery still in flight past the timeout is handed back; its message comes back later.
        using var shutdown = new CancellationTokenSource(new HostOptions().ShutdownTimeout);
        await Get<JobQueueListener>().StopAsync(shutdown.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _services.DisposeAsync();
    }
}

/// <summary>Counts what one host's <see cref="JobProcessor"/> logged: jobs completed, and deferrals (re-queued jobs).</summary>
public sealed class ProcessorEvents : ILoggerProvider
{
    private int _completed;
    private int _deferred;

    public int Completed => Volatile.Read(ref _completed);

    public int Deferred => Volatile.Read(ref _deferred);

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(ProcessorEvents owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            switch (eventId.Name)
            {
                case "LogCompleted":
                    Interlocked.Increment(ref owner._completed);
                    break;
                case "LogWaiting":
                    Interlocked.Increment(ref owner._deferred);
                    break;
                default:
                    break;
            }
        }
    }
}
