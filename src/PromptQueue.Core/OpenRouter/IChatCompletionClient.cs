namespace PromptQueue.Core.OpenRouter;

/// <summary>Runs one chat completion and reports how it ended; never retries by itself.</summary>
public interface IChatCompletionClient
{
    /// <summary>
    /// Sends <paramref name="request"/> and returns the outcome. Provider, network and timeout failures come back as outcomes;
    /// only cancellation by <paramref name="cancellationToken"/> throws (<see cref="OperationCanceledException"/>).
    /// </summary>
    Task<ChatOutcome> CompleteAsync(ChatRequest request, CancellationToken cancellationToken);
}
