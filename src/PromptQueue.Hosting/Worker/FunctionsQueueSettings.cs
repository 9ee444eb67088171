using Microsoft.Extensions.Configuration;

namespace PromptQueue.Hosting.Worker;

/// <summary>
/// The Functions host's queue settings, resolved as that host resolves them: host.json's <c>extensions:queues</c>,
/// overridden by app settings such as <c>AzureFunctionsJobHost__extensions__queues__batchSize</c>. The host.json is the
/// repository's own, compiled into this assembly, so the standalone host cannot drift from the Functions app.
/// </summary>
public sealed class FunctionsQueueSettings
{
    /// <summary>Where host.json keeps the queue trigger's settings.</summary>
    public const string HostJsonSection = "extensions:queues";

    /// <summary>The app settings with which the Functions host overrides any host.json value.</summary>
    public const string OverrideSection = "AzureFunctionsJobHost:" + HostJsonSection;

    private const string HostJsonResource = "PromptQueue.Hosting.Worker.host.json";

    // Read once, before HostJson below: static initializers run in the order they are written.
    private static readonly IConfiguration HostJsonConfiguration = LoadHostJson();

    // Each default is the Functions host's own, for a setting host.json leaves out.

    /// <summary>Messages the Functions host fetches at once (at most 32).</summary>
    public int BatchSize { get; set; } = 16;

    /// <summary>Fetch the next batch once this few are still in hand; unset, half of <see cref="BatchSize"/>, as on one core.</summary>
    public int? NewBatchThreshold { get; set; }

    /// <summary>Failed deliveries after which a message goes to the poison queue.</summary>
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>How long a failed message stays hidden before its next delivery.</summary>
    public TimeSpan VisibilityTimeout { get; set; }

    /// <summary>Longest pause between polls of an empty queue.</summary>
    public TimeSpan MaxPollingInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The most messages the Functions host has in hand per function: a full batch plus the threshold's worth.</summary>
    public int Concurrency => BatchSize + (NewBatchThreshold ?? BatchSize / 2);

    /// <summary>host.json's values, with no app setting over them.</summary>
    public static FunctionsQueueSettings HostJson { get; } = Read(appSettings: null);

    /// <summary>host.json's values with <paramref name="appSettings"/>' <see cref="OverrideSection"/> over them.</summary>
    public static FunctionsQueueSettings Read(IConfiguration? appSettings)
    {
        var settings = new FunctionsQueueSettings();
        HostJsonConfiguration.GetSection(HostJsonSection).Bind(settings);
        appSettings?.GetSection(OverrideSection).Bind(settings);
        return settings;
    }

    private static IConfiguration LoadHostJson()
    {
        using var stream = typeof(FunctionsQueueSettings).Assembly.GetManifestResourceStream(HostJsonResource)
            ?? throw new InvalidOperationException($"The build did not embed host.json as {HostJsonResource}.");

        // The JSON provider reads the stream while the configuration is built, so the stream may go afterwards.
        return new ConfigurationBuilder().AddJsonStream(stream).Build();
    }
}
