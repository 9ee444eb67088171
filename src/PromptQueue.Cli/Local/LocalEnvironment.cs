using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using PromptQueue.Core;
using PromptQueue.Core.Budget;
using PromptQueue.Core.OpenRouter;
using PromptQueue.Core.Storage;
using PromptQueue.Simulator;

namespace PromptQueue.Cli.Local;

/// <summary>
/// Fills in what a fresh clone lacks: storage (Azurite, started from node_modules when nothing listens) and a model
/// (the OpenRouter simulator when no API key is set). Whatever it started, it stops on dispose.
/// </summary>
public sealed class LocalEnvironment : IAsyncDisposable
{
    public const string ApiKeyVariable = "OPENROUTER_API_KEY";

    /// <summary>Asks for the simulator (true) or forbids it (false) whatever the storage; unset, local storage decides.</summary>
    public const string UseSimulatorSetting = "OpenRouter:UseSimulator";

    /// <summary>Where the Azurite that promptq starts keeps its data (default: the repository's <c>.azurite</c> folder).</summary>
    public const string AzuriteLocationSetting = "Local:AzuriteLocation";

    /// <summary>The ports of the Azurite that promptq uses or starts, as <c>BLOB,QUEUE,TABLE</c> (default 10000,10001,10002).</summary>
    public const string AzuritePortsSetting = "Local:AzuritePorts";

    /// <summary>Azurite's default ports, so that Storage Explorer and <c>func start</c> find the same data.</summary>
    private static readonly (int Blob, int Queue, int Table) DefaultPorts = (10000, 10001, 10002);

    private AzuriteProcess? _azurite;
    private OpenRouterSimulator? _simulator;

    private LocalEnvironment()
    {
    }

    /// <summary>Configuration values that point the app at what was found or started.</summary>
    public Dictionary<string, string?> Settings { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>True when answers come from the simulator rather than a real model.</summary>
    public bool UsesSimulator => _simulator is not null;

    /// <summary>Finds or starts storage, and, when <paramref name="needsModel"/>, decides where answers come from.</summary>
    /// <exception cref="LocalSetupException">No key is set and the simulator may not answer for this storage.</exception>
    public static async Task<LocalEnvironment> PrepareAsync(IConfiguration configuration, TextWriter notices, bool needsModel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(notices);
        var environment = new LocalEnvironment();
        try
        {
            // Decided before anything starts: a refusal leaves nothing running behind it.
            var simulate = needsModel && DecideSimulator(configuration);
            await environment.PrepareStorageAsync(configuration, notices, cancellationToken);
            if (simulate)
            {
                await environment.StartSimulatorAsync(configuration, notices, cancellationToken);
            }
            else if (!needsModel && WouldSimulate(configuration))
            {
                // budget, usage and the lists show the account local work runs on: the simulator's, without a key.
                environment.UseSimulatorBudget(configuration);
            }
            else if (configuration[ApiKeyVariable] is { Length: > 0 } apiKey)
            {
                environment.Settings[$"{OpenRouterOptions.SectionName}:{nameof(OpenRouterOptions.ApiKey)}"] = apiKey;
            }

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

        var (blobPort, queuePort, tablePort) = AzuritePorts(configuration);
        if (await IsListeningAsync(queuePort, cancellationToken) && await IsListeningAsync(tablePort, cancellationToken))
        {
            await notices.WriteLineAsync($"Storage: using the Azurite already listening on 127.0.0.1:{queuePort}.");
            Settings[name] = AzuriteProcess.ConnectionStringFor(blobPort, queuePort, tablePort);
            return;
        }

        var dataDirectory = configuration[AzuriteLocationSetting] is { Length: > 0 } location ? Path.GetFullPath(location) : DataDirectory();
        _azurite = await AzuriteProcess.StartAsync(dataDirectory, blobPort, queuePort, tablePort, cancellationToken);
        await notices.WriteLineAsync($"Storage: started Azurite on 127.0.0.1:{_azurite.QueuePort} (data in {dataDirectory}); it stops when promptq exits.");
        Settings[name] = _azurite.ConnectionString;
    }

    /// <summary>
    /// True when answers should come from the simulator: no key is set, and the storage is the local Azurite (or the
    /// simulator was asked for). Simulated answers stored in a real account would pass for real ones, so without a
    /// key and with real storage promptq refuses to start.
    /// </summary>
    private static bool DecideSimulator(IConfiguration configuration)
    {
        if (!string.IsNullOrWhiteSpace(configuration[ApiKeyVariable])
            || !string.IsNullOrWhiteSpace(configuration[$"{OpenRouterOptions.SectionName}:{nameof(OpenRouterOptions.ApiKey)}"]))
        {
            return false;
        }

        var asked = configuration[UseSimulatorSetting] is { Length: > 0 } value
            ? bool.TryParse(value, out var parsed) ? parsed : throw new LocalSetupException($"{SettingName(UseSimulatorSetting)} must be true or false, not '{value}'.")
            : (bool?)null;
        if (asked == false)
        {
            throw new LocalSetupException($"no OpenRouter API key is set and {SettingName(UseSimulatorSetting)}=false forbids the simulator: set {ApiKeyVariable}.");
        }

        var name = PromptQueueOptions.StorageConnectionName;
        var storageIsLocal = (string.IsNullOrWhiteSpace(configuration[name]) && !configuration.GetSection(name).GetChildren().Any())
            || StorageClients.IsLocalEmulator(configuration, name);
        if (asked == true || storageIsLocal)
        {
            return true;
        }

        throw new LocalSetupException(
            $"no OpenRouter API key is set, and {name} is not the local Azurite: simulated answers would be stored as real ones. " +
            $"Set {ApiKeyVariable} to call OpenRouter, or {SettingName(UseSimulatorSetting)}=true to store simulated answers in that storage anyway.");
    }

    private static (int Blob, int Queue, int Table) AzuritePorts(IConfiguration configuration)
    {
        if (configuration[AzuritePortsSetting] is not { Length: > 0 } text)
        {
            return DefaultPorts;
        }

        var ports = text.Split(',', StringSplitOptions.TrimEntries);
        return ports.Length == 3 && ports.All(p => ushort.TryParse(p, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) && port > 0)
            ? (int.Parse(ports[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(ports[1], System.Globalization.CultureInfo.InvariantCulture), int.Parse(ports[2], System.Globalization.CultureInfo.InvariantCulture))
            : throw new LocalSetupException($"{SettingName(AzuritePortsSetting)} must be three ports, BLOB,QUEUE,TABLE (for example 10000,10001,10002), not '{text}'.");
    }

    /// <summary>Points the budget at the simulator's own account and limits; returns the limits.</summary>
    private (int PerMinute, int PerDay) UseSimulatorBudget(IConfiguration configuration)
    {
        var budget = configuration.GetSection(BudgetOptions.SectionName);
        var perMinute = budget.GetValue<int?>(nameof(BudgetOptions.RequestsPerMinute)) ?? new BudgetOptions().RequestsPerMinute;
        var perDay = budget.GetValue<int?>(nameof(BudgetOptions.RequestsPerDay)) ?? SimulatorRequestsPerDay;
        Settings[$"{BudgetOptions.SectionName}:{nameof(BudgetOptions.Account)}"] = budget[nameof(BudgetOptions.Account)] ?? BudgetOptions.SimulatorAccount;
        Settings[$"{BudgetOptions.SectionName}:{nameof(BudgetOptions.RequestsPerMinute)}"] = perMinute.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Settings[$"{BudgetOptions.SectionName}:{nameof(BudgetOptions.RequestsPerDay)}"] = perDay.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return (perMinute, perDay);
    }

    /// <summary>What <see cref="DecideSimulator"/> would decide, without refusing: for commands that call no model.</summary>
    private static bool WouldSimulate(IConfiguration configuration)
    {
        try
        {
            return DecideSimulator(configuration);
        }
        catch (LocalSetupException)
        {
            return false;
        }
    }

    private static string SettingName(string key) => key.Replace(":", "__", StringComparison.Ordinal);

    /// <summary>The built-in simulator's account admits this many requests a UTC day unless the budget says otherwise.</summary>
    /// <remarks>
    /// The free tier's 50 would end a newcomer's trying-out after a few runs; 1000 is the free tier once credits are
    /// bought, so pacing still shows, and it never touches the real account's count (see <see cref="BudgetOptions.Account"/>).
    /// </remarks>
    private const int SimulatorRequestsPerDay = 1000;

    private async Task StartSimulatorAsync(IConfiguration configuration, TextWriter notices, CancellationToken cancellationToken)
    {
        // Simulated calls are metered on an account of their own, with the simulator's limits: the same numbers on
        // both sides, so the budget paces exactly as the simulator enforces. Limits set in the budget's settings win.
        var (perMinute, perDay) = UseSimulatorBudget(configuration);
        _simulator = await OpenRouterSimulator.StartAsync(new SimulatorOptions { RequestsPerMinute = perMinute, RequestsPerDay = perDay }, cancellationToken);
        Settings[$"{OpenRouterOptions.SectionName}:{nameof(OpenRouterOptions.BaseUrl)}"] = _simulator.BaseUrl.ToString();
        await notices.WriteLineAsync(
            $"""

            ************************************************************************************
              No {ApiKeyVariable} is set: answers come from PromptQueue's built-in OpenRouter
              simulator at {_simulator.BaseUrl}, not from a real model. Its calls are
              metered apart from the real account: {perMinute} a minute, {perDay} a day.
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

/// <summary>The local environment cannot be prepared as configured; the message names the setting to change.</summary>
public sealed class LocalSetupException(string message) : Exception(message);
