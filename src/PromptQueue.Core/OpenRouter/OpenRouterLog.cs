using Microsoft.Extensions.Logging;

namespace PromptQueue.Core.OpenRouter;

/// <summary>The client's log messages. None of them carries the API key or the prompt.</summary>
internal static partial class OpenRouterLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "OpenRouter call for model {Model} returned {Status}")]
    public static partial void CallReturned(ILogger logger, string model, int status);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information,
        Message = "OpenRouter call for model {Model} completed by {Provider} ({UsedModel}): finish reason {FinishReason}, {PromptTokens} prompt and {CompletionTokens} completion tokens, generation {GenerationId}")]
    public static partial void CallSucceeded(
        ILogger logger, string model, string? provider, string? usedModel, string? finishReason, int? promptTokens, int? completionTokens, string? generationId);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "OpenRouter call for model {Model} ended as {Outcome} (HTTP {Status}, {Code}): {ErrorMessage}")]
    public static partial void CallFailed(ILogger logger, string model, string outcome, int? status, string code, string errorMessage);
}
