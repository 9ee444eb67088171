using System.Net;
using System.Net.Sockets;
using PromptQueue.Cli.Local;

namespace PromptQueue.IntegrationTests.Faults;

/// <summary>
/// An Azurite with on-disk persistence on fixed loopback ports, which can be stopped and started again on the same
/// ports and data: promptq's own <see cref="AzuriteProcess"/>, which stops it gracefully so that it saves its files.
/// </summary>
internal sealed class RestartableAzurite(string dataDirectory) : IAsyncDisposable
{
    private AzuriteProcess? _azurite;

    public int BlobPort { get; } = FreePort();

    public int QueuePort { get; } = FreePort();

    public int TablePort { get; } = FreePort();

    public string ConnectionString => AzuriteProcess.ConnectionStringFor(BlobPort, QueuePort, TablePort);

    public async Task StartAsync() =>
        _azurite = await AzuriteProcess.StartAsync(dataDirectory, BlobPort, QueuePort, TablePort, CancellationToken.None);

    /// <summary>Stops Azurite gracefully and waits until it has exited and freed its ports.</summary>
    public async Task StopAsync()
    {
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
            _azurite = null;
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    /// <summary>A port that is free now; Azurite binds it moments later (ports for a restart must be known up front).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
