using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using PromptQueue.Core;
using PromptQueue.Core.OpenRouter;
using PromptQueue.Simulator;

namespace PromptQueue.Cli.Local;

/// <summary>
/// Fills in what a fresh clone lacks: storage (Azurite, started from node_modules when nothing listens) and a model
/// (the OpenRouter simulator when no API key is set). Whatever it started, it stops on dispose.
/// </summary>
public sealed class LocalEnvironment : IAsyncDisposable
{
    public const string ApiKeyVariable = "OPENROUTER_API_KEY";

    /// <summary>Azurite's default ports, so that Storage Explorer and <c>func start</c> find the same data.</summary>
    private const int DefaultBlobPort = 10000;
    private const int DefaultQueuePort = 10001;
    private const int DefaultTablePort = 10002;

    private AzuriteProcess? _azurite;
    private OpenRouterSimulator? _simulator;

    private LocalEnvironment()
    {
    }

    /// <summary>Configuration values that point the app at what was found or started.</summary>
    public Dictionary<string, string?> Settings { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>True when answers come from the simulator rather than a real model.</summary>
    public bool UsesSimulator => _simulator is not null;

    public static async Task<LocalEnvironment> PrepareAsync(IConfiguration configuration, TextWriter notices, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(notices);
        var environment = new LocalEnvironment();
        try
        {
            await environment.PrepareStorageAsync(configuration, notices, cancellationToken);
            await environment.PrepareModelAsync(configuration, notices, cancellationToken);
            return environment;
        }
        catch
        {
            await environment.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_simulator is not null)
        {
            await _simulator.DisposeAsync();
        }

        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }

    private async Task PrepareStorageAsync(IConfiguration configuration, TextWriter notices, CancellationToken cancellationToken)
    {
        var name = PromptQueueOptions.StorageConnectionName;
        if (!string.IsNullOrWhiteSpace(configuration[name]) || configuration.GetSection(name).GetChildren().Any())
        {
            return;
        }

        if (await IsListeningAsync(DefaultQueuePort, cancellationToken) && await IsListeningAsync(DefaultTablePort, cancellationToken))
        {
            await notices.WriteLineAsync($"Storage: using the Azurite already listening on 127.0.0.1:{DefaultQueuePort}.");
            Settings[name] = AzuriteProcess.ConnectionStringFor(DefaultBlobPort, DefaultQueuePort, DefaultTablePort);
            return;
        }

        var dataDirectory = DataDirectory();
        _azurite = await AzuriteProcess.StartAsync(dataDirectory, DefaultBlobPort, DefaultQueuePort, DefaultTablePort, cancellationToken);
        await notices.WriteLineAsync($"Storage: started Azurite on 127.0.0.1:{_azurite.QueuePort} (data in {dataDirectory}); it stops when promptq exits.");
        Settings[name] = _azurite.ConnectionString;
    }

    private async Task PrepareModelAsync(IConfiguration configuration, TextWriter notices, CancellationToken cancellationToken)
    {
        var apiKey = configuration[ApiKeyVariable];
        if (!string.IsNullOrWhiteSpace(apiKey))
        {
            Settings[$"{OpenRouterOptions.SectionName}:{nameof(OpenRouterOptions.ApiKey)}"] = apiKey;
            return;
        }

        if (!string.IsNullOrWhiteSpace(configuration[$"{OpenRouterOptions.SectionName}:{nameof(OpenRouterOptions.ApiKey)}"]))
        {
            return;
        }

        _simulator = await OpenRouterSimulator.StartAsync(new SimulatorOptions(), cancellationToken);
        Settings[$"{OpenRouterOptions.SectionName}:{nameof(OpenRouterOptions.BaseUrl)}"] = _simulator.BaseUrl.ToString();
        await notices.WriteLineAsync(
            $"""

            ************************************************************************************
              No {ApiKeyVariable} is set: answers come from PromptQueue's built-in OpenRouter
              simulator at {_simulator.BaseUrl}, not from a real model.
              Set {ApiKeyVariable} to call OpenRouter for real.
            ************************************************************************************

            """);
    }

    /// <summary>Azurite's data lives beside node_modules, in the repository's git-ignored <c>.azurite</c> folder.</summary>
    private static string DataDirectory()
    {
        var script = AzuriteProcess.FindAzuriteScript();
        var root = script is null ? Environment.CurrentDirectory : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(script)!, "..", "..", "..", ".."));
        return Path.Combine(root, ".azurite");
    }

    private static async Task<bool> IsListeningAsync(int port, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            await client.ConnectAsync("127.0.0.1", port, timeout.Token);
            return true;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
