using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;
using PromptQueue.Core.Storage;

namespace PromptQueue.Core.Notices;

/// <summary>
/// What a completion notice says: which job, how it ended, where to read it. The answer itself is left out: a queue
/// message holds at most 64 KiB, an answer and its trace can be megabytes, and a reader who wants it follows
/// <see cref="StatusUrl"/>. Results-queue messages and webhook bodies are this record as JSON.
/// </summary>
/// <param name="V">Notice format version, 1.</param>
/// <param name="DeliveryId">
/// The same for every delivery of one terminal transition of one job (it hashes id, status and finish time), so a
/// receiver drops repeats by it.
/// </param>
/// <param name="JobId">The job.</param>
/// <param name="Status">Its terminal status.</param>
/// <param name="CompletedAt">When it reached that status.</param>
/// <param name="ErrorCode">Why it did not complete, when it did not.</param>
/// <param name="StatusUrl">Where to read the job over the HTTP API (<see cref="IJobStatusLinks"/>): its path, relative to the API's base URL, or an absolute URL when the host is configured with its public address.</param>
/// <param name="ParentJobId">The job it continued, if any.</param>
/// <param name="Model">The model that answered.</param>
/// <param name="Usage">Token counts of a completed job.</param>
/// <param name="Cost">Cost in OpenRouter credits, when reported.</param>
public sealed record CompletionNotice(
    int V,
    string DeliveryId,
    string JobId,
    JobStatus Status,
    DateTimeOffset? CompletedAt,
    string? ErrorCode,
    string StatusUrl,
    string? ParentJobId,
    string? Model,
    JobUsage? Usage,
    double? Cost)
{
    public static CompletionNotice From(JobRecord record, string statusUrl)
    {
        ArgumentException.ThrowIfNullOrEmpty(statusUrl);
        ArgumentNullException.ThrowIfNull(record);
        var usage = JobViews.UsageOf(record);
        return new CompletionNotice(
            1,
            DeliveryIdOf(record),
            record.JobId,
            record.Status,
            record.CompletedAt,
            record.ErrorCode,
            statusUrl,
            record.ParentJobId,
            record.UsedModel,
            usage,
            record.Cost);
    }

    public string ToJson() => JsonSerializer.Serialize(this, ContractJson.Options);

    private static string DeliveryIdOf(JobRecord record)
    {
        var finished = record.CompletedAt?.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) ?? "";
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{record.JobId}\n{record.Status}\n{finished}"));
        return Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }
}

/// <summary>A webhook notice waiting on the notice queue: the exact body to POST, and how many tries it has had.</summary>
/// <param name="V">Message format version, 1.</param>
/// <param name="DeliveryId">Sent as <c>X-PromptQueue-Delivery</c>.</param>
/// <param name="Attempt">Deliveries already tried (0 for a new notice).</param>
/// <param name="Body">The JSON body, kept as text so that every retry sends, and signs, the same bytes.</param>
public sealed record WebhookNoticeMessage(int V, string DeliveryId, int Attempt, string Body)
{
    public string ToJson() => JsonSerializer.Serialize(this, ContractJson.Options);

    /// <summary>Reads a message, or returns null when it is not one.</summary>
    public static WebhookNoticeMessage? TryRead(string text)
    {
        try
        {
            var message = JsonSerializer.Deserialize<WebhookNoticeMessage>(text, ContractJson.Options);
            return message is { V: 1, DeliveryId.Length: > 0, Body.Length: > 0, Attempt: >= 0 } ? message : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
