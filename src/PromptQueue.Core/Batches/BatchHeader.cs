using System.Globalization;
using System.Runtime.Serialization;
using Azure;
using Azure.Data.Tables;
using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;

namespace PromptQueue.Core.Batches;

/// <summary>The <c>batch</c> row of a batch's partition: its status, its release cursor, its counts and its usage.</summary>
/// <remarks>
/// Every change is one conditional (ETag) write. The cursor <see cref="NextIndex"/> only grows: items below it are
/// claimed by a dispatcher, items from it on are pending. Terminal counts move with the item rows in one transaction
/// (see <see cref="BatchProgress"/>), so they never drift from the items.
/// </remarks>
public sealed class BatchHeader : ITableEntity
{
    /// <summary>The row key of the header in its batch's partition; the batch table's layout is in <c>src/PromptQueue.Core/Storage/README.md</c>.</summary>
    public const string RowKeyValue = "batch";

    public string PartitionKey { get; set; } = "";

    public string RowKey { get; set; } = RowKeyValue;

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    [IgnoreDataMember]
    public string BatchId => PartitionKey;

    public BatchStatus Status { get; set; }

    /// <summary>The schedule that created the batch, if any.</summary>
    public string? Schedule { get; set; }

    /// <summary>Higher goes first; batches of equal priority go oldest first.</summary>
    public int Priority { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }

    public int Items { get; set; }

    /// <summary>The next item to release: items below it are claimed by a dispatcher.</summary>
    public int NextIndex { get; set; }

    /// <summary>Items that will never be released because the batch was cancelled first.</summary>
    public int Withheld { get; set; }

    public int Completed { get; set; }

    public int Failed { get; set; }

    public int Rejected { get; set; }

    public int Cancelled { get; set; }

    public int DeadLettered { get; set; }

    public long PromptTokens { get; set; }

    public long CompletionTokens { get; set; }

    public long TotalTokens { get; set; }

    public double Cost { get; set; }

    /// <summary>Released items whose job reached a terminal status.</summary>
    [IgnoreDataMember]
    public int Finished => Completed + Failed + Rejected + Cancelled + DeadLettered;

    /// <summary>Released items whose job is not finished: queued, waiting or running.</summary>
    [IgnoreDataMember]
    public int InFlight => Math.Max(0, NextIndex - Finished);

    /// <summary>Items still to release.</summary>
    [IgnoreDataMember]
    public int Pending => Status == BatchStatus.Cancelled ? 0 : Items - NextIndex;

    /// <summary>Items that will see no more change: finished, or withheld by a cancel.</summary>
    [IgnoreDataMember]
    public int Settled => Finished + Withheld;

    /// <summary>Adds one to the count of <paramref name="status"/> (a terminal status); -1 takes one away.</summary>
    public void Count(JobStatus status, int delta)
    {
        switch (status)
        {
            case JobStatus.Completed: Completed += delta; break;
            case JobStatus.Failed: Failed += delta; break;
            case JobStatus.Rejected: Rejected += delta; break;
            case JobStatus.Cancelled: Cancelled += delta; break;
            case JobStatus.DeadLettered: DeadLettered += delta; break;
            default: throw new ArgumentOutOfRangeException(nameof(status), status, "only terminal statuses are counted");
        }
    }

    /// <summary>Marks the batch Completed once every released item is finished and nothing is left to release.</summary>
    public void CompleteIfSettled(DateTimeOffset now)
    {
        if (Settled >= Items && Status is BatchStatus.Dispatching or BatchStatus.Running)
        {
            Status = BatchStatus.Completed;
            CompletedAt ??= now;
        }
        else if (Status == BatchStatus.Cancelled && Settled >= Items)
        {
            CompletedAt ??= now;
        }
    }
}

/// <summary>Row keys of a batch's partition: items by zero-padded index, so a range scan returns input order.</summary>
public static class BatchRows
{
    /// <summary>Followed by the claim's first item index: a dispatcher's claim row; see <c>src/PromptQueue.Core/Storage/README.md</c>.</summary>
    public const string ClaimPrefix = "claim-";

    public static string Item(int index) => index.ToString("D7", CultureInfo.InvariantCulture);

    public static int IndexOf(string rowKey) => int.Parse(rowKey, NumberStyles.None, CultureInfo.InvariantCulture);

    public static string Claim(int start) => ClaimPrefix + Item(start);
}
