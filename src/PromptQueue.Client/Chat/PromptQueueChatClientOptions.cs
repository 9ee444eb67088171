namespace PromptQueue.Client;

/// <summary>Settings of a <see cref="PromptQueueChatClient"/>.</summary>
public sealed class PromptQueueChatClientOptions
{
    /// <summary>The model asked for when <c>ChatOptions.ModelId</c> is not given; null leaves it to the worker's configured default.</summary>
    public string? DefaultModelId { get; set; }

    /// <summary>
    /// How long a call waits for its job. Jobs wait their turn under the shared rate budget, so minutes are normal;
    /// the default waits until the job ends or the call's cancellation token fires.
    /// </summary>
    public TimeSpan WaitTimeout { get; set; } = Timeout.InfiniteTimeSpan;
}
