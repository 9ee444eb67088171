using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace PromptQueue.Core.Budget;

/// <summary>The shared budget as one entity in the budget table, written with If-Match.</summary>
public sealed class TableBudgetStore : IBudgetStore
{
    /// <summary>The budget table's one partition: a row per account; see <c>src/PromptQueue.Core/Storage/README.md</c>.</summary>
    private const string PartitionKey = "budget";

    /// <summary>A Table string property holds at most 32K characters; a longer log goes on in Starts1, Starts2 and so on.</summary>
    private const int StartsChunk = 30_000;

    /// <summary>The property the versions that spaced requests evenly kept their next slot in, read once on upgrade.</summary>
    private const string LegacyNextSlotAt = "NextSlotAt";

    private readonly TableClient _table;

    private readonly int _perMinute;

    private readonly TimeSpan _window;

    /// <summary>The account's row: <see cref="BudgetOptions.Account"/>.</summary>
    private readonly string _account;

    public TableBudgetStore(TableServiceClient tables, IOptions<BudgetOptions> options)
    {
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentNullException.ThrowIfNull(options);
        _table = tables.GetTableClient(options.Value.Table);
        _account = options.Value.Account;
        _perMinute = options.Value.RequestsPerMinute;
        _window = options.Value.Window;
    }

    public Task EnsureCreatedAsync(CancellationToken cancellationToken) => _table.CreateIfNotExistsAsync(cancellationToken);

    public async Task<(BudgetState State, string? Version)> ReadAsync(CancellationToken cancellationToken)
    {
        var response = await _table.GetEntityIfExistsAsync<TableEntity>(PartitionKey, _account, cancellationToken: cancellationToken);
        if (!response.HasValue)
        {
            return (new BudgetState(), null);
        }

        var entity = response.Value!;
        var state = new BudgetState
        {
            Day = entity.GetString(nameof(BudgetState.Day)) ?? "",
            DayUsed = entity.GetInt32(nameof(BudgetState.DayUsed)) ?? 0,
            Starts = ReadStarts(entity),
            BlockedUntil = entity.GetDateTimeOffset(nameof(BudgetState.BlockedUntil)),
            DayBlockedUntil = entity.GetDateTimeOffset(nameof(BudgetState.DayBlockedUntil)),
            LearnedRequestsPerMinute = entity.GetInt32(nameof(BudgetState.LearnedRequestsPerMinute)),
            LearnedRequestsPerDay = entity.GetInt32(nameof(BudgetState.LearnedRequestsPerDay)),
            PausedUntil = entity.GetDateTimeOffset(nameof(BudgetState.PausedUntil)),
            PauseReason = entity.GetString(nameof(BudgetState.PauseReason)),
            PausedKey = entity.GetString(nameof(BudgetState.PausedKey)),
            InteractiveWaitingUntil = entity.GetDateTimeOffset(nameof(BudgetState.InteractiveWaitingUntil)),
        };
        return (state, entity.ETag.ToString());
    }

    public async Task<bool> TryWriteAsync(BudgetState state, string? version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var entity = new TableEntity(PartitionKey, _account)
        {
            [nameof(BudgetState.Day)] = state.Day,
            [nameof(BudgetState.DayUsed)] = state.DayUsed,
            [nameof(BudgetState.BlockedUntil)] = state.BlockedUntil,
            [nameof(BudgetState.DayBlockedUntil)] = state.DayBlockedUntil,
            [nameof(BudgetState.LearnedRequestsPerMinute)] = state.LearnedRequestsPerMinute,
            [nameof(BudgetState.LearnedRequestsPerDay)] = state.LearnedRequestsPerDay,
            [nameof(BudgetState.PausedUntil)] = state.PausedUntil,
            [nameof(BudgetState.PauseReason)] = state.PauseReason,
            [nameof(BudgetState.PausedKey)] = state.PausedKey,
            [nameof(BudgetState.InteractiveWaitingUntil)] = state.InteractiveWaitingUntil,
        };

        WriteStarts(entity, state.Starts.Serialize());
        try
        {
            if (version is null)
            {
                await _table.AddEntityAsync(entity, cancellationToken);
            }
            else
            {
                // Replace, not merge: a property cleared in the state must be cleared in the table too.
                await _table.UpdateEntityAsync(entity, new ETag(version), TableUpdateMode.Replace, cancellationToken);
            }

            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            return false;
        }
    }

    private StartLog ReadStarts(TableEntity entity)
    {
        if (!entity.ContainsKey(nameof(BudgetState.Starts)))
        {
            return entity.GetDateTimeOffset(LegacyNextSlotAt) is { } nextSlotAt ? BudgetRules.FromSpacedSlot(nextSlotAt, _perMinute, _window) : StartLog.Empty;
        }

        var text = new System.Text.StringBuilder(entity.GetString(nameof(BudgetState.Starts)));
        for (var chunk = 1; entity.GetString(nameof(BudgetState.Starts) + chunk) is { } more; chunk++)
        {
            text.Append(more);
        }

        return StartLog.Parse(text.ToString());
    }

    private static void WriteStarts(TableEntity entity, string serialized)
    {
        entity[nameof(BudgetState.Starts)] = serialized.Length <= StartsChunk ? serialized : serialized[..StartsChunk];
        for (var (chunk, offset) = (1, StartsChunk); offset < serialized.Length; chunk++, offset += StartsChunk)
        {
            entity[nameof(BudgetState.Starts) + chunk] = serialized.Substring(offset, Math.Min(StartsChunk, serialized.Length - offset));
        }
    }
}
