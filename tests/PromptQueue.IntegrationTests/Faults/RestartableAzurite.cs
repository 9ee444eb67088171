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

    /// <summary>
    /// A port that is free now, for an Azurite that binds it later and again after each restart. It comes from below
    /// the kernel's ephemeral range: a port from that range can be taken meanwhile as the source port of any outgoing
    /// connection (the storage SDK's own, to this very Azurite), and the restart then fails with EADDRINUSE.
    /// </summary>
    public static int FreePort()
    {
        var below = EphemeralRangeStart();
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            var port = Random.Shared.Next(11_000, below);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: try another.
            }
        }

        throw new InvalidOperationException($"No free port between 11000 and {below}.");
    }

    private static int EphemeralRangeStart()
    {
        const string range = "/proc/sys/net/ipv4/ip_local_port_range";
        return File.Exists(range) && int.TryParse(File.ReadAllText(range).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0], out var start) && start > 12_000
            ? start
            : 32_768;
    }
}
