using PromptQueue.Core.Budget;

namespace PromptQueue.Core.Tests.Budget;

/// <summary>A budget store with the same conditional-write contract as the table, for fast unit tests.</summary>
internal sealed class InMemoryBudgetStore : IBudgetStore
{
    private readonly Lock _gate = new();
    private BudgetState? _state;
    private int _version;

    public int Writes { get; private set; }

    public int Conflicts { get; private set; }

    /// <summary>Runs before each write, for tests that slip another writer in between a read and a write.</summary>
    public Func<Task>? BeforeWrite { get; set; }

    public Task<(BudgetState State, string? Version)> ReadAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<(BudgetState, string?)>(_state is null ? (new BudgetState(), null) : (_state, _version.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
    }

    public async Task<bool> TryWriteAsync(BudgetState state, string? version, CancellationToken cancellationToken)
    {
        if (BeforeWrite is { } before)
        {
            BeforeWrite = null;
            await before();
        }

        lock (_gate)
        {
            var current = _state is null ? null : _version.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (current != version)
            {
                Conflicts++;
                return false;
            }

            _state = state;
            _version++;
            Writes++;
            return true;
        }
    }
}
