using Microsoft.Extensions.Logging;
using PromptQueue.Contracts;
using Microsoft.Extensions.Options;
using PromptQueue.Core.OpenRouter;
using PromptQueue.Core.Storage;

namespace PromptQueue.Core.Budget;

/// <summary>The request budget shared by every instance and host: asks for slots, and passes on what 429s teach.</summary>
public sealed partial class RequestBudget(
    IBudgetStore store,
    IOptions<BudgetOptions> options,
    TimeProvider time,
    ILogger<RequestBudget> logger,
    IOptions<OpenRouterOptions>? openRouter = null)
{
    /// <summary>This worker's key, as a fingerprint: a pause for a refused key holds only the workers that use it.</summary>
    private readonly string? _key = BudgetRules.KeyFingerprint(openRouter?.Value.ApiKey);

    /// <summary>Conflicting writes mean other instances are spending slots; past this many tries in a row, stop and defer.</summary>
    private const int MaxTries = 20;

    private readonly BudgetOptions _options = options.Value;

    /// <summary>True when calls to <paramref name="model"/> draw on this budget.</summary>
    public bool Meters(string model) => _options.Meters(model);

    /// <summary>
    /// Spends a slot now or a few seconds ahead for the job <paramref name="jobId"/>, or says when to come back: at
    /// the slot reserved for it, when the decision says so. It never waits for a slot itself; it only pauses a few
    /// milliseconds between writes that lost a race with another instance (see <see cref="OptimisticConcurrency"/>).
    /// </summary>
    /// <param name="jobId">The job that will make the call; null for a call of no job, which never reserves a slot.</param>
    /// <param name="cancellationToken">Stops the reads and writes.</param>
    public Task<BudgetDecision> AcquireAsync(string? jobId, CancellationToken cancellationToken) =>
        AcquireAsync(jobId, JobPriority.Interactive, cancellationToken);

    /// <inheritdoc cref="AcquireAsync(string?, CancellationToken)"/>
    /// <param name="jobId">The job that will make the call; null for a call of no job, which never reserves a slot.</param>
    /// <param name="lane">The job's lane: while an interactive job waits, bulk ones leave it room and their reserved slots.</param>
    /// <param name="cancellationToken">Stops the reads and writes.</param>
    public Task<BudgetDecision> AcquireAsync(string? jobId, JobPriority lane, CancellationToken cancellationToken)
    {
        var holder = jobId is null ? null : BudgetRules.HolderOf(jobId);
        return DecideAsync((state, now) => BudgetRules.Decide(state, now, _options, holder, lane), cancellationToken);
    }

    /// <summary>
    /// Checks a slot granted earlier just before its call starts (see <see cref="BudgetRules.Recheck"/>): the same
    /// grant when the call may start; otherwise the decision it is given now, with the slot given back (a block
    /// learned meanwhile), or moved on (a start before it went out late).
    /// </summary>
    public Task<BudgetDecision> RecheckAsync(BudgetGranted granted, string? jobId, JobPriority lane, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(granted);
        var holder = jobId is null ? null : BudgetRules.HolderOf(jobId);
        return DecideAsync(
            (state, now) => BudgetRules.Recheck(state, granted, holder, now, _options, lane) is ({ } changed, var written) ? (changed, written) : (granted, null),
            cancellationToken);
    }

    /// <summary>
    /// Tells the budget when the call granted <paramref name="granted"/> really went out: when that was later than the
    /// slot by more than <see cref="BudgetRules.LateStartTolerance"/>, its start is counted from then (see
    /// <see cref="BudgetRules.MoveStart"/>), so the account's window and the budget's count the same call.
    /// </summary>
    public Task ConfirmStartAsync(BudgetGranted granted, string? jobId, DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(granted);
        var late = startedAt - granted.SlotAt;
        if (late <= BudgetRules.LateStartTolerance(_options))
        {
            return Task.CompletedTask;
        }

        LogLateStart(granted.SlotAt, late.TotalMilliseconds);
        var holder = jobId is null ? null : BudgetRules.HolderOf(jobId);
        return UpdateAsync(state => BudgetRules.MoveStart(state, granted.SlotAt, holder, startedAt), cancellationToken);
    }

    /// <summary>Whether a receiver of new work should hold off, and when it must poll again; see <see cref="BudgetRules.ReceiveAdvice"/>.</summary>
    public async Task<(DateTimeOffset? HoldUntil, DateTimeOffset? WakeAt)> ReceiveAdviceAsync(CancellationToken cancellationToken)
    {
        var (state, _) = await store.ReadAsync(cancellationToken);
        return BudgetRules.ReceiveAdvice(BudgetRules.ForKey(state, _key), time.GetUtcNow(), _options);
    }

    /// <summary>Shares a platform 429 with every instance: a block until its reset, and a lower limit if it names one.</summary>
    public Task LearnAsync(ChatRetryLater rateLimited, CancellationToken cancellationToken) =>
        UpdateAsync(state => BudgetRules.LearnFrom(state, rateLimited, time.GetUtcNow(), _options), cancellationToken);

    /// <summary>Holds every instance off until <paramref name="until"/>: the API refused the account itself.</summary>
    /// <param name="until">The end of the pause.</param>
    /// <param name="reason">Why, in words.</param>
    /// <param name="keyAtFault">True when the key was refused (401): workers with another key are not held.</param>
    /// <param name="cancellationToken">Stops the write.</param>
    public Task PauseAsync(DateTimeOffset until, string reason, bool keyAtFault, CancellationToken cancellationToken) =>
        UpdateAsync(state => BudgetRules.Pause(state, until, reason, keyAtFault ? _key : null), cancellationToken);

    /// <summary>The budget as it stands, with today's count rolled over if the day has changed.</summary>
    public async Task<BudgetState> ReadAsync(CancellationToken cancellationToken)
    {
        var (state, _) = await store.ReadAsync(cancellationToken);
        return BudgetRules.RollOver(BudgetRules.ForKey(state, _key), time.GetUtcNow());
    }

    /// <summary>Applies a budget rule to the stored budget as this worker's key sees it, and writes what it spent.</summary>
    private Task<BudgetDecision> DecideAsync(Func<BudgetState, DateTimeOffset, (BudgetDecision Decision, BudgetState? NewState)> rule, CancellationToken cancellationToken) =>
        OptimisticConcurrency.UpdateAsync(
            async ct =>
            {
                var (state, version) = await store.ReadAsync(ct);
                var (decision, spent) = rule(BudgetRules.ForKey(state, _key), time.GetUtcNow());
                // A failed write means another instance took the slot between our read and write: read again.
                return spent is null || await store.TryWriteAsync(spent, version, ct)
                    ? ConcurrencyStep.Done<BudgetDecision>(decision)
                    : ConcurrencyStep.Conflict<BudgetDecision>();
            },
            MaxTries,
            () =>
            {
                LogContended(MaxTries);
                return new BudgetDeferred(time.GetUtcNow() + _options.Window / _options.RequestsPerMinute, BudgetWait.Spacing, "the budget is heavily contended");
            },
            cancellationToken);

    private Task<bool> UpdateAsync(Func<BudgetState, BudgetState> change, CancellationToken cancellationToken) =>
        OptimisticConcurrency.UpdateAsync(
            async ct =>
            {
                var (state, version) = await store.ReadAsync(ct);
                var changed = change(state);
                return changed == state || await store.TryWriteAsync(changed, version, ct)
                    ? ConcurrencyStep.Done<bool>(true)
                    : ConcurrencyStep.Conflict<bool>();
            },
            MaxTries,
            () =>
            {
                LogContended(MaxTries);
                return false;
            },
            cancellationToken);

    [LoggerMessage(LogLevel.Debug, "The call granted the slot at {SlotAt:O} went out {LateMs:F0} ms late; the budget counts it from then")]
    private partial void LogLateStart(DateTimeOffset slotAt, double lateMs);

    [LoggerMessage(LogLevel.Warning, "The shared budget changed under {Attempts} attempts in a row; giving way for now")]
    private partial void LogContended(int attempts);
}
