using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace PromptQueue.Cli.Local;

/// <summary>Thrown when Azurite cannot be started; the message says what to do about it.</summary>
public sealed class AzuriteUnavailableException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>Azurite could not listen because a port was in use.</summary>
    public bool PortInUse { get; init; }
}

/// <summary>An Azurite storage emulator run from the repository's <c>node_modules</c>, stopped gracefully on dispose.</summary>
/// <remarks>
/// Azurite keeps its data in LokiJS files that it saves every five seconds and when it shuts down, so a kill loses the
/// last seconds of acknowledged writes. It is therefore started through <see cref="Launcher"/>, a few lines of Node.js
/// that run it in a process group of its own (a terminal's Ctrl+C reaches promptq alone, which needs storage while it
/// hands its jobs back) and stop it with SIGINT, Azurite's own graceful shutdown, when their standard input closes.
/// Standard input closes when this class stops it and also when promptq dies, even by kill -9, so storage is saved
/// whichever way promptq ends.
/// </remarks>
public sealed partial class AzuriteProcess : IAsyncDisposable
{
    /// <summary>
    /// Runs Azurite (argv[1], with its arguments) detached, ignores the terminal's SIGINT, and stops Azurite gracefully
    /// when standard input ends or on SIGTERM or SIGHUP; exits with Azurite's exit code. Azurite's output passes through
    /// the launcher, which outlives it: were Azurite writing to promptq's pipes itself, its "closed" lines would fail
    /// with EPIPE once promptq had died, and Azurite would crash before it saved its files.
    /// </summary>
    internal const string Launcher = """
        const { spawn } = require('child_process');
        const [script, ...args] = process.argv.slice(1);
        const azurite = spawn(process.execPath, [script, ...args], { detached: true, windowsHide: true, stdio: ['ignore', 'pipe', 'pipe'] });
        for (const [from, to] of [[azurite.stdout, process.stdout], [azurite.stderr, process.stderr]]) {
          to.on('error', () => {});
          from.on('data', chunk => { try { to.write(chunk); } catch {} });
        }
        let stopping = false;
        const stop = () => { if (!stopping) { stopping = true; azurite.kill('SIGINT'); } };
        process.on('SIGINT', () => {});
        process.on('SIGTERM', stop);
        process.on('SIGHUP', stop);
        process.stdin.on('end', stop);
        process.stdin.on('error', stop);
        process.stdin.resume();
        azurite.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
        """;

    /// <summary>How long a graceful stop may take (Azurite saves its files and closes its servers) before it is killed.</summary>
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);

    /// <summary>Azurite's well-known development account (public, documented, not a secret).</summary>
    public const string AccountName = "devstoreaccount1";

    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private bool _disposed;

    private AzuriteProcess(Process process, int blobPort, int queuePort, int tablePort)
    {
        _process = process;
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
    }

    public int BlobPort { get; }

    public int QueuePort { get; }

    public int TablePort { get; }

    public string ConnectionString => ConnectionStringFor(BlobPort, QueuePort, TablePort);

    public static string ConnectionStringFor(int blobPort, int queuePort, int tablePort) =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{blobPort}/{AccountName};QueueEndpoint=http://127.0.0.1:{queuePort}/{AccountName};TableEndpoint=http://127.0.0.1:{tablePort}/{AccountName};";

    /// <summary>
    /// Starts Azurite. With no <paramref name="dataDirectory"/> it keeps everything in memory; port 0 picks a free port.
    /// </summary>
    public static async Task<AzuriteProcess> StartAsync(string? dataDirectory, int blobPort, int queuePort, int tablePort, CancellationToken cancellationToken)
    {
        // An Azurite that a promptq just stopped (or that outlived a killed one) still saves its files and closes its
        // servers for a moment: a port in use is waited out, briefly, before it counts as taken for good.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(dataDirectory, blobPort, queuePort, tablePort, cancellationToken);
            }
            catch (AzuriteUnavailableException ex) when (ex.PortInUse && attempt < PortInUseAttempts)
            {
                await Task.Delay(PortInUseRetryDelay, cancellationToken);
            }
        }
    }

    private const int PortInUseAttempts = 20;

    private static readonly TimeSpan PortInUseRetryDelay = TimeSpan.FromMilliseconds(500);

    private static async Task<AzuriteProcess> StartOnceAsync(string? dataDirectory, int blobPort, int queuePort, int tablePort, CancellationToken cancellationToken)
    {
        var script = FindAzuriteScript()
            ?? throw new AzuriteUnavailableException(
                "Azurite is not installed. Run 'npm ci' in the repository root (it needs Node.js 20 or later); " +
                "building the solution with 'dotnet build' also does this when node_modules is missing.");

        var start = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-e");
        start.ArgumentList.Add(Launcher);
        start.ArgumentList.Add(script);
        foreach (var argument in Arguments(dataDirectory, blobPort, queuePort, tablePort))
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new AzuriteUnavailableException("Could not start Node.js to run Azurite.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new AzuriteUnavailableException("Node.js is not on PATH; install Node.js 20 or later to run Azurite.", ex);
        }

        try
        {
            var (blob, queue, table) = await WaitUntilListeningAsync(process, cancellationToken);
            return new AzuriteProcess(process, blob, queue, table);
        }
        catch
        {
            await StopAsync(process);
            process.Dispose();
            throw;
        }
    }

    /// <summary>Stops Azurite gracefully, so that every write it acknowledged is saved, and waits until it has exited.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await StopAsync(_process);
        _process.Dispose();
    }

    /// <summary>Finds <c>node_modules/azurite</c> above the program's own folder or the current folder.</summary>
    public static string? FindAzuriteScript()
    {
        foreach (var origin in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var directory = new DirectoryInfo(origin); directory is not null; directory = directory.Parent)
            {
                var script = Path.Combine(directory.FullName, "node_modules", "azurite", "dist", "src", "azurite.js");
                if (File.Exists(script))
                {
                    return script;
                }
            }
        }

        return null;
    }

    private static IEnumerable<string> Arguments(string? dataDirectory, int blobPort, int queuePort, int tablePort)
    {
        if (dataDirectory is null)
        {
            yield return "--inMemoryPersistence";
        }
        else
        {
            yield return "--location";
            yield return dataDirectory;
        }

        yield return "--blobHost";
        yield return "127.0.0.1";
        yield return "--queueHost";
        yield return "127.0.0.1";
        yield return "--tableHost";
        yield return "127.0.0.1";
        yield return "--blobPort";
        yield return blobPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        yield return "--queuePort";
        yield return queuePort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        yield return "--tablePort";
        yield return tablePort.ToString(System.Globalization.CultureInfo.InvariantCulture);

        // The Azure SDK may speak a newer service version than this Azurite knows; the calls we make are supported.
        yield return "--skipApiVersionCheck";
        yield return "--loose";
        yield return "--disableTelemetry";
    }

    private static async Task<(int Blob, int Queue, int Table)> WaitUntilListeningAsync(Process process, CancellationToken cancellationToken)
    {
        var ports = new Dictionary<string, int>(StringComparer.Ordinal);
        var output = new StringBuilder();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StartTimeout);
        var errors = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            while (ports.Count < 3)
            {
                var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
                if (line is null)
                {
                    var stderr = await errors;
                    throw new AzuriteUnavailableException($"Azurite exited before it was ready (a port may be in use).{Environment.NewLine}{output}{stderr}".TrimEnd())
                    {
                        PortInUse = (output + stderr).Contains("EADDRINUSE", StringComparison.Ordinal),
                    };
                }

                output.AppendLine(line);
                if (ListeningLine().Match(line) is { Success: true } match)
                {
                    ports[match.Groups["service"].Value] = int.Parse(match.Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new AzuriteUnavailableException($"Azurite did not start within {StartTimeout.TotalSeconds:0} s.{Environment.NewLine}{output}".TrimEnd());
        }

        // Keep draining its output so that Azurite never blocks on a full pipe.
        _ = DrainAsync(process.StandardOutput);
        return (ports["Blob"], ports["Queue"], ports["Table"]);
    }

    private static async Task DrainAsync(StreamReader reader)
    {
        try
        {
            while (await reader.ReadLineAsync() is not null)
            {
            }
        }
        catch (ObjectDisposedException)
        {
            // The process was disposed while its output was being read.
        }
    }

    /// <summary>Closes the launcher's standard input, which stops Azurite gracefully; kills both only if that takes too long.</summary>
    private static async Task StopAsync(Process process)
    {
        try
        {
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The launcher already exited and closed its end.
        }

        using var timeout = new CancellationTokenSource(StopTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            try
            {
                // Azurite runs in its own process group, but it is still the launcher's child: the tree includes it.
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It exited meanwhile.
            }

            await process.WaitForExitAsync(CancellationToken.None);
        }
    }

    [GeneratedRegex(@"Azurite (?<service>Blob|Queue|Table) service is successfully listening at https?://[^:]+:(?<port>\d+)")]
    private static partial Regex ListeningLine();
}
