using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using PromptQueue.Cli.Local;

namespace PromptQueue.IntegrationTests.Faults;

/// <summary>
/// An Azurite with on-disk persistence on fixed loopback ports, which can be stopped and started again on the same
/// ports and data. Stopping sends SIGTERM: Azurite keeps its metadata in LokiJS files that are only saved every few
/// seconds, so a kill -9 can roll storage itself back (queues vanish), which no real storage account does.
/// </summary>
internal sealed class RestartableAzurite : IAsyncDisposable
{
    private readonly string _dataDirectory;
    private Process? _process;

    public RestartableAzurite(string dataDirectory)
    {
        _dataDirectory = dataDirectory;
        (BlobPort, QueuePort, TablePort) = (FreePort(), FreePort(), FreePort());
    }

    public int BlobPort { get; }

    public int QueuePort { get; }

    public int TablePort { get; }

    public string ConnectionString => AzuriteProcess.ConnectionStringFor(BlobPort, QueuePort, TablePort);

    public async Task StartAsync()
    {
        var script = AzuriteProcess.FindAzuriteScript() ?? throw new InvalidOperationException("Azurite is not installed; run 'npm ci' in the repository root.");
        var start = new ProcessStartInfo("node") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
        {
            script, "--location", _dataDirectory, "--blobHost", "127.0.0.1", "--queueHost", "127.0.0.1", "--tableHost", "127.0.0.1",
            "--blobPort", Text(BlobPort), "--queuePort", Text(QueuePort), "--tablePort", Text(TablePort),
            "--skipApiVersionCheck", "--loose", "--disableTelemetry",
        })
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start Node.js to run Azurite.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = TimeProvider.System.GetUtcNow() + TimeSpan.FromSeconds(30);
        while (!(await IsListeningAsync(QueuePort) && await IsListeningAsync(TablePort)))
        {
            if (_process.HasExited || TimeProvider.System.GetUtcNow() > deadline)
            {
                throw new InvalidOperationException($"Azurite did not come up on ports {Text(QueuePort)}/{Text(TablePort)}.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>Stops Azurite with SIGTERM and waits until it has exited and freed its ports.</summary>
    public async Task StopAsync()
    {
        if (_process is null)
        {
            return;
        }

        if (!_process.HasExited)
        {
            using (var kill = Process.Start("kill", ["-TERM", Text(_process.Id)]))
            {
                await kill.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }

        _process.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
            _process = null;
        }
    }

    private static async Task<bool> IsListeningAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
