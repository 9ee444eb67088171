namespace PromptQueue.Core.Budget;

/// <summary>Where the shared budget lives. Writes are conditional, so two instances never spend the same slot.</summary>
public interface IBudgetStore
{
    /// <summary>The current state and its version; a fresh state and a null version when none is stored yet.</summary>
    Task<(BudgetState State, string? Version)> ReadAsync(CancellationToken cancellationToken);

    /// <summary>Writes the state if it is still at <paramref name="version"/> (null: if none exists). False on a conflict.</summary>
    Task<bool> TryWriteAsync(BudgetState state, string? version, CancellationToken cancellationToken);
}
