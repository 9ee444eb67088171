using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Core;
using Azure.Storage.Queues;
using PromptQueue.Contracts;

namespace PromptQueue.Client;

/// <summary>How a job message is written on the queue. The worker reads both.</summary>
public enum QueueJobEncoding
{
    /// <summary>The JSON text as is. PromptQueue's Functions app reads queue messages with <c>messageEncoding: none</c>.</summary>
    Plain,

    /// <summary>
    /// Base64 of the UTF-8 JSON. It exists because much of the Azure ecosystem encodes queue messages by default: the
    /// Functions host's default <c>messageEncoding</c> and its queue output binding, the older storage SDKs
    /// (WindowsAzure.Storage's CloudQueueMessage, Python's v2 SDK) and tools built on them. A service whose other
    /// consumers expect base64 can keep that convention; the worker reads either.
    /// </summary>
    Base64,
}

/// <summary>Settings of a <see cref="PromptQueueQueueSender"/>.</summary>
public sealed class PromptQueueQueueSenderOptions
{
    /// <summary>The job queue's name; <c>prompt-jobs</c> unless the app was configured otherwise.</summary>
    public string QueueName { get; set; } = PromptQueueQueueSender.DefaultQueueName;

    /// <summary>How messages are written; <see cref="QueueJobEncoding.Plain"/> by default.</summary>
    public QueueJobEncoding Encoding { get; set; } = QueueJobEncoding.Plain;

    /// <summary>The limits a job is checked against before it is sent; keep them equal to the worker's.</summary>
    public JobLimits Limits { get; set; } = new();
}

/// <summary>
/// Puts v1 jobs straight on PromptQueue's job queue, for services that may write to the queue but cannot reach the
/// HTTP API. The worker stores and runs each message as a job.
/// </summary>
/// <remarks>
/// A job is checked here as the worker would check it, so a bad job fails in the caller's hands with every field error
/// rather than ending up Rejected. A queue message holds at most 64 KiB: larger jobs must go through
/// <see cref="PromptQueueClient.SubmitAsync(PromptJob, string?, CancellationToken)"/>, which accepts up to the
/// server's payload limit (1 MiB by default).
/// </remarks>
public sealed class PromptQueueQueueSender
{
    /// <summary>The job queue's default name.</summary>
    public const string DefaultQueueName = "prompt-jobs";

    /// <summary>The queue service's limit on one message, after encoding.</summary>
    public const int MaxMessageBytes = 64 * 1024;

    /// <summary>A message left unread for a week (a paused worker) must not expire and lose its job.</summary>
    private static readonly TimeSpan NeverExpires = TimeSpan.FromSeconds(-1);

    private readonly QueueClient _queue;
    private readonly QueueJobEncoding _encoding;
    private readonly JobLimits _limits;
    private readonly TimeProvider _time;

    /// <summary>Creates a sender from a storage connection string (an account key or SAS).</summary>
    public PromptQueueQueueSender(string connectionString, PromptQueueQueueSenderOptions? options = null, TimeProvider? timeProvider = null)
        : this(connectionString, options, new QueueClientOptions(), timeProvider)
    {
    }

    /// <summary>Creates a sender that signs in with an Entra ID credential (managed identity in Azure); it needs the "Storage Queue Data Message Sender" role.</summary>
    /// <param name="queueServiceUri">The account's queue endpoint, such as <c>https://myaccount.queue.core.windows.net</c>.</param>
    /// <param name="credential">The credential, for example <c>DefaultAzureCredential</c>.</param>
    /// <param name="options">The queue name and encoding.</param>
    /// <param name="timeProvider">The clock for new job ids; the system clock by default.</param>
    public PromptQueueQueueSender(Uri queueServiceUri, TokenCredential credential, PromptQueueQueueSenderOptions? options = null, TimeProvider? timeProvider = null)
        : this(queueServiceUri, credential, options, new QueueClientOptions(), timeProvider)
    {
    }

    /// <summary>The connection-string sender with the Azure SDK's options (retries, diagnostics, transport) given, as <c>AddAzureClients</c> does.</summary>
    internal PromptQueueQueueSender(string connectionString, PromptQueueQueueSenderOptions? options, QueueClientOptions clientOptions, TimeProvider? timeProvider)
        : this(options, clientOptions, timeProvider, (name, queueOptions) => new QueueClient(connectionString, name, queueOptions))
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
    }

    /// <summary>The Entra ID sender with the Azure SDK's options given, as <c>AddAzureClients</c> does.</summary>
    internal PromptQueueQueueSender(Uri queueServiceUri, TokenCredential credential, PromptQueueQueueSenderOptions? options, QueueClientOptions clientOptions, TimeProvider? timeProvider)
        : this(options, clientOptions, timeProvider, (name, queueOptions) => new QueueServiceClient(queueServiceUri, credential, queueOptions).GetQueueClient(name))
    {
    }

    private PromptQueueQueueSender(
        PromptQueueQueueSenderOptions? options, QueueClientOptions clientOptions, TimeProvider? timeProvider, Func<string, QueueClientOptions, QueueClient> createQueue)
    {
        options ??= new PromptQueueQueueSenderOptions();
        ArgumentException.ThrowIfNullOrWhiteSpace(options.QueueName);
        ArgumentNullException.ThrowIfNull(options.Limits);
        ArgumentNullException.ThrowIfNull(clientOptions);
        _encoding = options.Encoding;
        _limits = options.Limits;
        _time = timeProvider ?? TimeProvider.System;

        // The SDK does the base64 itself when asked; a caller's own QueueClient is not accepted because its encoding
        // cannot be read back, and encoding twice would put an unreadable message on the queue.
        clientOptions.MessageEncoding = _encoding == QueueJobEncoding.Base64 ? QueueMessageEncoding.Base64 : QueueMessageEncoding.None;
        _queue = createQueue(options.QueueName, clientOptions);
    }

    /// <summary>The queue the sender writes to.</summary>
    public Uri QueueUri => _queue.Uri;

    /// <summary>Checks a job and puts it on the queue.</summary>
    /// <param name="job">The job. Without an <see cref="PromptJob.Id"/>, it is given a new unguessable one.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>The job's id, under which the API and <c>promptq show</c> find it.</returns>
    /// <exception cref="InvalidPromptJobException">The job is not valid, or too large for a queue message; nothing was sent.</exception>
    public Task<string> EnqueueAsync(PromptJob job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        var named = job.Id is null ? job with { Id = JobIds.New(_time.GetUtcNow()) } : job;
        return SendCheckedAsync(JsonSerializer.Serialize(named, ContractJson.Options), cancellationToken);
    }

    /// <summary>Checks a job given as v1 JSON text and puts it on the queue; a job without <c>id</c> is given one.</summary>
    /// <inheritdoc cref="EnqueueAsync(PromptJob, CancellationToken)"/>
    public Task<string> EnqueueJsonAsync(string json, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(json);
        return SendCheckedAsync(WithId(json), cancellationToken);
    }

    private async Task<string> SendCheckedAsync(string json, CancellationToken cancellationToken)
    {
        var read = PromptJobReader.Read(json, _limits);
        if (!read.IsValid)
        {
            throw new InvalidPromptJobException(read.Errors);
        }

        json = WithTraceContext(json);
        var size = EncodedSize(json);
        if (size > MaxMessageBytes)
        {
            var encoding = _encoding == QueueJobEncoding.Base64 ? "base64-encoded" : "as plain JSON";
            throw new InvalidPromptJobException([new JobValidationError("$",
                $"the job is {size:N0} bytes {encoding}; a queue message holds at most {MaxMessageBytes:N0}. " +
                "Submit jobs this large over HTTP (PromptQueueClient.SubmitAsync) instead")]);
        }

        await _queue.SendMessageAsync(json, visibilityTimeout: null, timeToLive: NeverExpires, cancellationToken);
        return read.Job!.Id!;
    }

    private int EncodedSize(string json)
    {
        var bytes = Encoding.UTF8.GetByteCount(json);
        return _encoding == QueueJobEncoding.Base64 ? (bytes + 2) / 3 * 4 : bytes;
    }

    /// <summary>The job with an id of its own: an id given by the caller is kept; a malformed job is left for the checks to describe.</summary>
    /// <summary>
    /// The caller's W3C trace context beside the job's fields, so that the job's processing continues the caller's
    /// trace; the worker reads it as the message's, not the job's.
    /// </summary>
    private static string WithTraceContext(string json)
    {
        if (Activity.Current is not { IdFormat: ActivityIdFormat.W3C } current || JsonNode.Parse(json) is not JsonObject message)
        {
            return json;
        }

        message[JobQueueMessage.TraceParentProperty] = current.Id;
        if (!string.IsNullOrEmpty(current.TraceStateString))
        {
            message[JobQueueMessage.TraceStateProperty] = current.TraceStateString;
        }

        return message.ToJsonString(ContractJson.Options);
    }

    private string WithId(string json)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return json;
        }

        if (node is not JsonObject job || job["id"] is not null)
        {
            return json;
        }

        job["id"] = JobIds.New(_time.GetUtcNow());
        return job.ToJsonString(ContractJson.Options);
    }
}
