using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using PromptQueue.Contracts;

namespace PromptQueue.Client;

/// <summary>
/// An <see cref="IChatClient"/> whose every call is a PromptQueue job: the call is submitted, paced under the shared
/// budget, run durably by a worker and traced, and the answer comes back as a <see cref="ChatResponse"/>.
/// </summary>
/// <remarks>
/// <para>
/// The model's reasoning is a <see cref="TextReasoningContent"/> whose <see cref="TextReasoningContent.ProtectedData"/>
/// holds the raw <c>reasoning_details</c> JSON; sending the response's messages back in a later call sends that JSON,
/// unaltered, as the assistant turn's <c>reasoning_details</c>, so the model continues its own reasoning.
/// </para>
/// <para>
/// Streaming is not incremental: a job's answer exists once the job completes, so
/// <see cref="GetStreamingResponseAsync"/> yields the whole answer as one update (and a reasoning update before it).
/// </para>
/// </remarks>
public sealed class PromptQueueChatClient : IChatClient
{
    /// <summary>The provider name in <see cref="ChatClientMetadata"/>, and so in OpenTelemetry's <c>gen_ai.system</c>.</summary>
    public const string ProviderName = "promptqueue";

    private readonly PromptQueueClient _client;
    private readonly PromptQueueChatClientOptions _options;
    private readonly ChatClientMetadata _metadata;

    /// <summary>Creates a chat client that runs its calls through <paramref name="client"/>.</summary>
    /// <param name="client">The HTTP client, usually registered with <c>AddPromptQueueClient</c>; not disposed by this.</param>
    /// <param name="options">The default model and how long a call waits.</param>
    public PromptQueueChatClient(PromptQueueClient client, PromptQueueChatClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _options = options ?? new PromptQueueChatClientOptions();
        if (_options.WaitTimeout <= TimeSpan.Zero && _options.WaitTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException("PromptQueueChatClientOptions.WaitTimeout must be positive or Timeout.InfiniteTimeSpan.", nameof(options));
        }

        _metadata = new ChatClientMetadata(ProviderName, client.BaseAddress, _options.DefaultModelId);
    }

    /// <summary>Submits the conversation as a job, waits for it, and returns its answer.</summary>
    /// <exception cref="PromptQueueJobException">The job ended Failed, Rejected, Cancelled or DeadLettered; it names the job and its error.</exception>
    /// <exception cref="PromptQueueApiException">The API refused the job (for example 400 with every field error).</exception>
    /// <exception cref="TimeoutException"><see cref="PromptQueueChatClientOptions.WaitTimeout"/> passed first; the job goes on.</exception>
    /// <exception cref="NotSupportedException">A message holds content a job cannot carry (audio, files, hosted tools).</exception>
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var job = ChatJobMapping.ToJob(messages, options, options?.RawRepresentationFactory?.Invoke(this) as PromptJob, _options.DefaultModelId);
        var accepted = await _client.SubmitAsync(job, idempotencyKey: null, cancellationToken);
        var done = await _client.WaitForCompletionAsync(accepted.Id, _options.WaitTimeout, progress: null, cancellationToken);
        if (done.Status != JobStatus.Completed)
        {
            throw new PromptQueueJobException(done);
        }

        var reasoning = done.HasReasoning ? await _client.GetReasoningAsync(done.Id, cancellationToken) : null;
        return ChatJobMapping.ToResponse(done, reasoning);
    }

    /// <summary>
    /// Runs the call as <see cref="GetResponseAsync"/> does and yields the whole answer at once when the job completes:
    /// PromptQueue stores answers whole, so there are no partial updates to stream.
    /// </summary>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken);
        foreach (var update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    /// <summary>Returns the <see cref="ChatClientMetadata"/>, the underlying <see cref="PromptQueueClient"/>, or this client.</summary>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(ChatClientMetadata))
        {
            return _metadata;
        }

        if (serviceType == typeof(PromptQueueClient))
        {
            return _client;
        }

        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <summary>Does nothing: the <see cref="PromptQueueClient"/> belongs to whoever made it (usually the DI container).</summary>
    public void Dispose()
    {
    }
}
