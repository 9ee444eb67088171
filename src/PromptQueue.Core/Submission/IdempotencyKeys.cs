using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using PromptQueue.Core.Storage;

namespace PromptQueue.Core.Submission;

/// <summary>What an idempotency key is bound to: the job it created and the hash of the request that created it.</summary>
public sealed record IdempotencyKeyBinding(string JobId, string RequestHash, bool Created);

/// <summary>
/// Binds each <c>Idempotency-Key</c> to the job its first request created, in a row of the job table, so a repeated
/// request finds that job instead of creating another.
/// </summary>
/// <remarks>
/// The row's partition is a SHA-256 of the key: the key itself is never stored, and a job's id is random, never
/// derived from the key, so knowing a key tells nothing about any job id. The row is written with a conditional
/// insert, so of two identical requests racing, exactly one binds its job id and the other reads it back.
/// A partition starting with '~' can never be a job's, because job ids start with a letter or digit.
/// </remarks>
public sealed class IdempotencyKeys(TableServiceClient tables, IOptions<PromptQueueOptions> options)
{
    /// <summary>The longest key accepted; it is hashed, so this only keeps requests sensible.</summary>
    public const int MaxKeyLength = 256;

    /// <summary>
    /// Followed by the SHA-256 of the key in hex: the job table's partition of one key's binding. Every special
    /// partition is listed in <c>src/PromptQueue.Core/Storage/README.md</c>.
    /// </summary>
    public const string PartitionPrefix = "~key-";

    /// <summary>The one row of a key's partition; see <c>src/PromptQueue.Core/Storage/README.md</c>.</summary>
    private const string RowKeyValue = "idempotency-key";
    private const string JobIdProperty = "JobId";
    private const string RequestHashProperty = "RequestHash";

    private readonly TableClient _table = tables.GetTableClient(options.Value.JobTable);

    /// <summary>True when a client may use <paramref name="key"/>: 1 to 256 visible ASCII characters.</summary>
    public static bool IsValid(string key) => key is { Length: > 0 and <= MaxKeyLength } && key.All(c => c is > ' ' and < (char)0x7F);

    /// <summary>
    /// Binds <paramref name="key"/> to <paramref name="jobId"/> unless it is bound already; returns the binding in force
    /// (<see cref="IdempotencyKeyBinding.Created"/> says whether it is this call's).
    /// </summary>
    public async Task<IdempotencyKeyBinding> BindAsync(string key, string jobId, string requestHash, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(PartitionFor(key), RowKeyValue) { [JobIdProperty] = jobId, [RequestHashProperty] = requestHash };
        try
        {
            await _table.AddEntityAsync(entity, cancellationToken);
            return new IdempotencyKeyBinding(jobId, requestHash, true);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            var existing = await _table.GetEntityAsync<TableEntity>(entity.PartitionKey, RowKeyValue, cancellationToken: cancellationToken);
            return new IdempotencyKeyBinding(existing.Value.GetString(JobIdProperty), existing.Value.GetString(RequestHashProperty), false);
        }
    }

    /// <summary>Frees a key whose job could not be created, so the key does not point at a job that is not its request's.</summary>
    public async Task ReleaseAsync(string key, CancellationToken cancellationToken) =>
        await _table.DeleteEntityAsync(PartitionFor(key), RowKeyValue, ETag.All, cancellationToken);

    /// <summary>Removes the binding stored in <paramref name="partition"/> (see <see cref="PartitionFor"/>), if it is still there.</summary>
    public Task RemoveAsync(string partition, CancellationToken cancellationToken) =>
        _table.DeleteIfExistsAsync(partition, RowKeyValue, cancellationToken);

    /// <summary>The partition of the row that binds <paramref name="key"/>; a job keeps it, and tests check the table by it.</summary>
    public static string PartitionFor(string key) => PartitionPrefix + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
