using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace PromptQueue.Core.Storage;

/// <summary>One job in the index of unfinished jobs.</summary>
/// <param name="JobId">The job.</param>
/// <param name="Since">When the row was last written: the job was created or queued again then.</param>
/// <param name="AwaitsMessage">The job was stored as Queued and the message that will run it is not yet known to be sent.</param>
/// <param name="MessageBodyHash">For a job named after the queue message it came in (no id of its own), that message's hash.</param>
public sealed record UnfinishedJob(string JobId, DateTimeOffset Since, bool AwaitsMessage, string? MessageBodyHash);

/// <summary>
/// The index of unfinished jobs: partition <c>~unfinished</c> of the job table, one row per job that is not terminal or
/// whose terminal status not every observer has heard of. The recovery sweep reads this partition instead of the whole
/// table, so its cost follows the jobs in flight, not every job ever stored.
/// </summary>
/// <remarks>
/// A row is written before the job row it stands for and removed after the job is finished, so every unfinished job has
/// one; a crash in between leaves a row too many, which the sweep removes. A partition starting with '~' is never a
/// job's, because job ids start with a letter or digit.
/// </remarks>
public sealed class UnfinishedJobs(TableServiceClient tables, IOptions<PromptQueueOptions> options, TimeProvider time)
{
    /// <summary>The job table's partition of this index; every special partition is listed in <c>src/PromptQueue.Core/Storage/README.md</c>.</summary>
    public const string Partition = "~unfinished";

    private const string SinceProperty = "Since";
    private const string AwaitsMessageProperty = "AwaitsMessage";
    private const string MessageBodyHashProperty = "MessageBodyHash";

    private readonly TableClient _table = tables.GetTableClient(options.Value.JobTable);

    /// <summary>The hash that finds a job by the body of the message it came in.</summary>
    public static string HashMessageBody(string body) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(body)));

    /// <summary>Adds the job, or writes its row again (a job queued once more).</summary>
    public async Task AddAsync(string jobId, bool awaitsMessage, string? messageBody, CancellationToken cancellationToken)
    {
        var row = new TableEntity(Partition, jobId)
        {
            [SinceProperty] = time.GetUtcNow(),
            [AwaitsMessageProperty] = awaitsMessage,
            [MessageBodyHashProperty] = messageBody is null ? null : HashMessageBody(messageBody),
        };
        await _table.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>The Queued job's message is sent: the sweep need not send one.</summary>
    public async Task MessageSentAsync(string jobId, CancellationToken cancellationToken)
    {
        try
        {
            await _table.UpdateEntityAsync(new TableEntity(Partition, jobId) { [AwaitsMessageProperty] = false }, ETag.All, TableUpdateMode.Merge, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Already finished and removed: nothing awaits anything.
        }
    }

    public Task RemoveAsync(string jobId, CancellationToken cancellationToken) => _table.DeleteIfExistsAsync(Partition, jobId, cancellationToken);

    /// <summary>Every unfinished job, or only those that came in a message with <paramref name="messageBody"/>.</summary>
    public async IAsyncEnumerable<UnfinishedJob> ListAsync(string? messageBody, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var filter = messageBody is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {Partition}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and MessageBodyHash eq {HashMessageBody(messageBody)}");
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            if (row.RowKey.StartsWith('~'))
            {
                continue;
            }

            yield return new UnfinishedJob(
                row.RowKey,
                row.GetDateTimeOffset(SinceProperty) ?? row.Timestamp ?? time.GetUtcNow(),
                row.GetBoolean(AwaitsMessageProperty) ?? false,
                row.GetString(MessageBodyHashProperty));
        }
    }

    /// <summary>Whether the index was built from the table once, for jobs stored before the index existed.</summary>
    public async Task<bool> IsBackfilledAsync(CancellationToken cancellationToken) =>
        (await _table.GetEntityIfExistsAsync<TableEntity>(Partition, BackfillMarker, select: ["RowKey"], cancellationToken: cancellationToken)).HasValue;

    public async Task MarkBackfilledAsync(CancellationToken cancellationToken) =>
        await _table.UpsertEntityAsync(new TableEntity(Partition, BackfillMarker) { [SinceProperty] = time.GetUtcNow() }, TableUpdateMode.Replace, cancellationToken);

    /// <summary>The row of <see cref="Partition"/> that marks the index as built once from the table; see <c>src/PromptQueue.Core/Storage/README.md</c>.</summary>
    private const string BackfillMarker = "~backfilled";
}
