using Microsoft.Extensions.Options;
using PromptQueue.Contracts;
using PromptQueue.Core.OpenRouter;

namespace PromptQueue.Core.Processing;

/// <summary>Turns a v1 job into the chat completions request sent to OpenRouter.</summary>
public sealed class ChatRequestFactory(IOptions<OpenRouterOptions> options)
{
    /// <summary>
    /// The model a job asks for first: its <c>model</c>, else the first of its <c>models</c> (OpenRouter's fallback list
    /// in priority order), else the configured default.
    /// </summary>
    public string ModelFor(PromptJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return job.Model ?? (job.Models is [var first, ..] ? first : options.Value.DefaultModel);
    }

    /// <summary>The fallbacks after <see cref="ModelFor"/>: all of <c>models</c> beside a <c>model</c>, or the rest of them without one.</summary>
    private static IReadOnlyList<string>? FallbacksFor(PromptJob job) => job switch
    {
        { Model: not null } => job.Models,
        { Models: [_, _, ..] } => [.. job.Models.Skip(1)],
        _ => null,
    };

    /// <summary>The request for a job; a continuation sends its parent's conversation first.</summary>
    /// <param name="job">The job.</param>
    /// <param name="history">The parent's conversation with its answer as the last turn, or null for a job of its own.</param>
    public ChatRequest Create(PromptJob job, IReadOnlyList<ChatMessage>? history = null)
    {
        ArgumentNullException.ThrowIfNull(job);
        return new ChatRequest
        {
            Model = ModelFor(job),
            Models = FallbacksFor(job),
            Messages = [.. history ?? [], .. OwnMessages(job)],
            Reasoning = ReasoningFor(job),
            Temperature = job.Temperature,
            TopP = job.TopP,
            TopK = job.TopK,
            MinP = job.MinP,
            FrequencyPenalty = job.FrequencyPenalty,
            PresencePenalty = job.PresencePenalty,
            RepetitionPenalty = job.RepetitionPenalty,
            LogitBias = job.LogitBias,
            Logprobs = job.Logprobs,
            TopLogprobs = job.TopLogprobs,
            ParallelToolCalls = job.ParallelToolCalls,
            MaxCompletionTokens = job.MaxCompletionTokens,
            MaxTokens = job.MaxTokens,
            Stop = job.Stop,
            Seed = job.Seed,
            Tools = job.Tools,
            ToolChoice = job.ToolChoice,
            ResponseFormat = job.ResponseFormat,
            Provider = job.Provider,
            User = job.User,
            Metadata = job.Metadata,
        };
    }

    /// <summary>
    /// One <c>reasoning</c> object from the places a job may set it: the shorthand <c>reasoning_effort</c> and the
    /// deprecated <c>include_reasoning</c> become <c>reasoning.effort</c> and <c>reasoning.exclude</c>, as OpenRouter
    /// documents them (the reader has refused any contradiction). <c>include_reasoning: true</c> alone is
    /// <c>reasoning: {}</c>.
    /// </summary>
    private static ReasoningOptions? ReasoningFor(PromptJob job)
    {
        var given = job.Reasoning;
        if (given is null && job.ReasoningEffort is null && job.IncludeReasoning is null)
        {
            return null;
        }

        return new ReasoningOptions
        {
            Enabled = given?.Enabled,
            Effort = given?.Effort ?? job.ReasoningEffort,
            MaxTokens = given?.MaxTokens,
            Exclude = given?.Exclude ?? (job.IncludeReasoning == false ? true : null),
            Summary = given?.Summary,
        };
    }

    /// <summary>The messages a job itself gives: its system text, its prompt or its messages.</summary>
    public static List<ChatMessage> OwnMessages(PromptJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var messages = new List<ChatMessage>();
        if (job.System is { } system)
        {
            messages.Add(ChatMessage.FromText("system", system));
        }

        if (job.Prompt is { } prompt)
        {
            messages.Add(ChatMessage.FromText("user", prompt));
        }

        foreach (var message in job.Messages ?? [])
        {
            messages.Add(new ChatMessage
            {
                Role = message.Role,
                Content = message.Content,
                Name = message.Name,
                ToolCallId = message.ToolCallId,
                ToolCalls = message.ToolCalls,
                ReasoningDetails = message.ReasoningDetails,
            });
        }

        return messages;
    }
}
