using System.ComponentModel.DataAnnotations;

namespace PromptQueue.Hosting.Worker;

/// <summary>How the standalone host polls the job queue; the Functions host reads the same values from host.json.</summary>
public sealed class QueueListenerOptions
{
    public const string SectionName = "PromptQueue:Listener";

    /// <summary>Messages handled at once by one host.</summary>
    [Range(1, 32)]
    public int Concurrency { get; set; } = 4;

    /// <summary>After this many failed deliveries a message moves to the poison queue, as in host.json.</summary>
    [Range(1, 100)]
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>How long a failed message stays hidden before its next delivery, as host.json's visibilityTimeout.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan RetryVisibility { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often to look for Running jobs whose claim lapsed long ago with no message left to bring them back: the
    /// period of the Functions app's <c>RecoverStrandedJobs</c> timer.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Longest pause between polls of an empty queue.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan MaxPollingInterval { get; set; } = TimeSpan.FromSeconds(2);
}
