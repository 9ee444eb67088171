using System.ComponentModel.DataAnnotations;

namespace PromptQueue.Hosting.Worker;

/// <summary>
/// How the standalone host takes messages. A setting that means what one of host.json's queue settings means defaults
/// to it (<see cref="FunctionsQueueSettings"/>, overrides included), so both hosts behave alike;
/// <c>PromptQueue:Listener:*</c> overrides it for the standalone host alone.
/// </summary>
public sealed class QueueListenerOptions
{
    public const string SectionName = "PromptQueue:Listener";

    /// <summary>Messages handled at once by one host: host.json's <c>batchSize</c> plus <c>newBatchThreshold</c>.</summary>
    [Range(1, 64)]
    public int Concurrency { get; set; } = FunctionsQueueSettings.HostJson.Concurrency;

    /// <summary>After this many failed deliveries a message moves to the poison queue: host.json's <c>maxDequeueCount</c>.</summary>
    [Range(1, 100)]
    public int MaxDequeueCount { get; set; } = FunctionsQueueSettings.HostJson.MaxDequeueCount;

    /// <summary>How long a failed message stays hidden before its next delivery: host.json's <c>visibilityTimeout</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan RetryVisibility { get; set; } = FunctionsQueueSettings.HostJson.VisibilityTimeout;

    /// <summary>Longest pause between polls of an empty queue: host.json's <c>maxPollingInterval</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan MaxPollingInterval { get; set; } = FunctionsQueueSettings.HostJson.MaxPollingInterval;

    /// <summary>
    /// How often to look for Running jobs whose claim lapsed long ago with no message left to bring them back: the
    /// period of the Functions app's <c>RecoverStrandedJobs</c> timer.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Takes the Functions host's settings, app-setting overrides included, as this host's defaults.</summary>
    public void UseFunctionsHostSettings(FunctionsQueueSettings queues)
    {
        ArgumentNullException.ThrowIfNull(queues);
        Concurrency = queues.Concurrency;
        MaxDequeueCount = queues.MaxDequeueCount;
        RetryVisibility = queues.VisibilityTimeout;
        MaxPollingInterval = queues.MaxPollingInterval;
    }
}
