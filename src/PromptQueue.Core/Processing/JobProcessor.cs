using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PromptQueue.Contracts;
using PromptQueue.Core.Budget;
using PromptQueue.Core.OpenRouter;
using PromptQueue.Core.Storage;
using PromptQueue.Core.Telemetry;

namespace PromptQueue.Core.Processing;

/// <summary>One delivery of a job-queue message, as any host received it.</summary>
/// <param name="Body">The message text, plain or base64.</param>
/// <param name="MessageId">The queue's id for the message; it names jobs that arrive without an id of their own.</param>
/// <param name="EnqueuedAt">When the message was put on the queue, as the queue says; it times the job's wait.</param>
public sealed record JobDelivery(string Body, string MessageId, DateTimeOffset? EnqueuedAt = null);

/// <summary>What became of a delivery.</summary>
public enum JobOutcome
{
    Completed,
    Failed,
    Rejected,

    /// <summary>The job waits (backoff, rate limit, or another worker's claim); a delayed message will bring it back.</summary>
    Deferred,

    /// <summary>The job was already finished or taken; this delivery changed nothing.</summary>
    Duplicate,
}

public sealed record JobProcessingResult(string JobId, JobOutcome Outcome);

/// <summary>The job lifecycle, in one place: every host hands each queue message to <see cref="ProcessAsync"/>.</summary>
/// <remarks>
/// Every status change is a conditional write, so a redelivered message never calls the model a second time for a
/// job that is running or finished. Waits never throw: the message is re-sent with a visibility delay and the
/// delivery completes, so the host's dequeue count and poison queue are left for real crashes.
/// </remarks>
public sealed partial class JobProcessor(
    JobStore store,
    JobQueueClient queue,
    JobLifecycle records,
    IChatCompletionClient chat,
    ChatRequestFactory requests,
    ParentJobs parents,
    RequestBudget budget,
    JobTerminalNotices notices,
    IOptions<PromptQueueOptions> options,
    IOptions<BudgetOptions> budgetOptions,
    IOptions<JobLimits> limits,
    TimeProvider time,
    ILogger<JobProcessor> logger)
{
    /// <summary>A waiting job whose message arrives this early is run anyway: clocks differ a little between machines.</summary>
    private static readonly TimeSpan EarlyArrivalTolerance = TimeSpan.FromSeconds(2);

    /// <summary>How long releasing a job on shutdown may take before the host is left to stop anyway.</summary>
    private static readonly TimeSpan ReleaseTimeout = TimeSpan.FromSeconds(15);

    /// <summary>After a claim conflict the job is read again; after this many tries (three conflicts) the delivery gives way.</summary>
    private const int MaxClaimTries = 4;

    private readonly PromptQueueOptions _options = options.Value;

    public async Task<JobProcessingResult> ProcessAsync(JobDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var message = JobQueueMessage.Decode(delivery.Body);
        using var activity = JobTracing.StartProcessing(delivery, message, time.GetUtcNow());
        var result = await ProcessMessageAsync(delivery, message, cancellationToken);
        JobTracing.Finish(activity, result.JobId, result.Outcome.ToString());
        return result;
    }

    private async Task<JobProcessingResult> ProcessMessageAsync(JobDelivery delivery, JobQueueMessage message, CancellationToken cancellationToken)
    {
        switch (message.Kind)
        {
            case JobMessageKind.Reference when message.WatchedClaim is { } claim:
                return await WatchAsync(message.JobId!, claim, cancellationToken);

            case JobMessageKind.Reference:
                var record = await store.FindAsync(message.JobId!, cancellationToken);
                return record is null
                    ? await RejectAsync(delivery, null, $"the message refers to job '{message.JobId}', which does not exist", cancellationToken)
                    : await RunAsync(record, job: null, cancellationToken);

            case JobMessageKind.Inline:
                return await AdoptInlineAsync(delivery, message, cancellationToken);

            default:
                return await RejectAsync(delivery, null, message.Error ?? "the message could not be read", cancellationToken);
        }
    }

    /// <summary>Dead-letters the job a poison message names, keeping the payload, unless the job already finished.</summary>
    /// <remarks>
    /// The host's poison copy has a new message id, so a job named after its message (an inline job without an id of
    /// its own) is found by the message's body among the unfinished jobs; only a message that never made a job gets a
    /// new one, under the copy's id.
    /// </remarks>
    public async Task<JobProcessingResult> DeadLetterAsync(JobDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var message = JobQueueMessage.Decode(delivery.Body);
        var jobId = message.Kind switch
        {
            JobMessageKind.Reference => message.JobId!,
            JobMessageKind.Inline when InlineJobId(message) is { } id => id,
            _ => null,
        };
        if (jobId is null)
        {
            var (found, finished) = await FindByMessageAsync(delivery.Body, cancellationToken);
            if (finished is not null)
            {
                return new(finished, JobOutcome.Duplicate);
            }

            jobId = found ?? JobLifecycle.MessageJobId(delivery.MessageId);
        }

        using var scope = BeginJobScope(jobId);
        return await OptimisticConcurrency.UpdateAsync(
            async ct =>
            {
                var record = await store.FindAsync(jobId, ct);
                if (record is null)
                {
                    var created = records.DeadLettered(jobId, delivery.Body);
                    if (!await store.TryCreateAsync(created, JobLifecycle.PayloadText(delivery.Body), ct, arrivedInMessage: delivery.Body))
                    {
                        return ConcurrencyStep.Conflict<JobProcessingResult>();
                    }

                    record = created;
                }
                else if (record.Status.IsTerminal())
                {
                    return ConcurrencyStep.Done<JobProcessingResult>(new(jobId, JobOutcome.Duplicate));
                }
                else
                {
                    records.MarkDeadLettered(record);
                    if (!await store.TryUpdateAsync(record, JobLifecycle.PayloadText(delivery.Body), ct))
                    {
                        return ConcurrencyStep.Conflict<JobProcessingResult>();
                    }
                }

                LogDeadLettered(jobId);
                JobTelemetry.DeadLettered();
                await notices.PublishAsync(record);
                return ConcurrencyStep.Done<JobProcessingResult>(new(jobId, JobOutcome.Failed));
            },
            MaxClaimTries,
            () => throw new InvalidOperationException($"Job {jobId} kept changing while it was being dead-lettered."),
            cancellationToken);
    }

    /// <summary>
    /// The job a message without a job id of its own made: the oldest unfinished one that came in a message with this
    /// body, or, when those are all terminal already (their notices still going out), one of them as finished.
    /// </summary>
    private async Task<(string? Unfinished, string? Finished)> FindByMessageAsync(string body, CancellationToken cancellationToken)
    {
        JobRecord? oldest = null;
        string? finished = null;
        await foreach (var entry in store.Unfinished.ListAsync(body, cancellationToken))
        {
            if (await store.FindAsync(entry.JobId, cancellationToken) is not { } record)
            {
                continue;
            }

            if (record.Status.IsTerminal())
            {
                finished = record.JobId;
            }
            else if (oldest is null || record.QueuedAt < oldest.QueuedAt)
            {
                oldest = record;
            }
        }

        return oldest is not null ? (oldest.JobId, null) : (null, finished);
    }

    private static string? InlineJobId(JobQueueMessage message)
    {
        try
        {
            using var document = JsonDocument.Parse(message.Json);
            return document.RootElement.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String && PromptJobReader.IsValidJobId(id.GetString())
                ? id.GetString()
                : null;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Not JSON, or text that cannot be decoded: the message has no usable id.
            return null;
        }
    }

    private async Task<JobProcessingResult> AdoptInlineAsync(JobDelivery delivery, JobQueueMessage message, CancellationToken cancellationToken)
    {
        var read = PromptJobReader.Read(message.Json.Span, limits.Value);
        if (!read.IsValid)
        {
            return await RejectAsync(delivery, InlineJobId(message), read.Describe(), cancellationToken);
        }

        var job = read.Job!;
        var jobId = job.Id ?? JobLifecycle.MessageJobId(delivery.MessageId);
        var requestJson = Encoding.UTF8.GetString(message.Json.Span);
        var record = records.Queued(jobId, job, requestJson, JobSources.Queue);
        if (await store.TryCreateAsync(record, JobLifecycle.RequestText(requestJson), cancellationToken, arrivedInMessage: delivery.Body))
        {
            return await RunAsync(record, job, cancellationToken);
        }

        var existing = await store.FindAsync(jobId, cancellationToken);
        if (existing is not null && JobLifecycle.IsSameRequest(existing.RequestHash, requestJson))
        {
            // The same message again, or the same job sent twice: one job, one result.
            return await RunAsync(existing, job, cancellationToken);
        }

        return await RejectAsync(delivery, null, $"job id '{jobId}' is already used by a different job", cancellationToken);
    }

    private async Task<JobProcessingResult> RejectAsync(JobDelivery delivery, string? preferredId, string error, CancellationToken cancellationToken)
    {
        var messageJobId = JobLifecycle.MessageJobId(delivery.MessageId);
        foreach (var jobId in preferredId is null ? [messageJobId] : new[] { preferredId, messageJobId })
        {
            var record = records.Rejected(jobId, delivery.Body, error);
            if (await store.TryCreateAsync(record, JobLifecycle.PayloadText(delivery.Body), cancellationToken, arrivedInMessage: delivery.Body))
            {
                LogRejected(jobId, error);
                JobTelemetry.Rejected();
                await notices.PublishAsync(record);
                return new(jobId, JobOutcome.Rejected);
            }

            var existing = await store.FindAsync(jobId, cancellationToken);
            if (existing is { Status: JobStatus.Rejected } && existing.RequestHash == record.RequestHash)
            {
                return new(jobId, JobOutcome.Duplicate);
            }
        }

        throw new InvalidOperationException($"Could not record the rejection of message {delivery.MessageId}: its job ids are taken.");
    }

    /// <summary>
    /// A claim's watch arrived: if the claim it watches lapsed with the job still Running, its worker vanished and
    /// this worker takes the job over. A watch whose claim is still held comes back when that claim would lapse; one
    /// whose claim is over (the job moved on) means nothing.
    /// </summary>
    private async Task<JobProcessingResult> WatchAsync(string jobId, string claim, CancellationToken cancellationToken)
    {
        var record = await store.FindAsync(jobId, cancellationToken);
        if (record is not { Status: JobStatus.Running } || record.ClaimToken != claim)
        {
            return new(jobId, JobOutcome.Duplicate);
        }

        var now = time.GetUtcNow();
        if (record.ClaimedUntil > now)
        {
            // The worker may be alive, or may have died just after a renewal: watch on until the claim would lapse.
            await queue.SendWatchAsync(jobId, claim, record.ClaimedUntil.Value - now + ClaimLease.Margin, cancellationToken);
            return new(jobId, JobOutcome.Deferred);
        }

        LogTakeover(jobId, record.ClaimedUntil);
        return await RunAsync(record, job: null, cancellationToken);
    }

    private async Task<JobProcessingResult> RunAsync(JobRecord record, PromptJob? job, CancellationToken cancellationToken)
    {
        using var scope = BeginJobScope(record.JobId);
        var claimed = await ClaimAsync(record, cancellationToken);
        if (claimed.Outcome is not null)
        {
            return new(record.JobId, claimed.Outcome.Value);
        }

        record = claimed.Record!;
        var lease = claimed.Lease!;
        var result = await RunClaimedAsync(record, job, lease, cancellationToken);

        // The claim is over however it ended (a result, a wait, a release, or another worker's takeover): its watch
        // has nothing left to watch. After a fault the watch stays, so the job still comes back.
        await lease.EndAsync();
        return result;
    }

    private async Task<JobProcessingResult> RunClaimedAsync(JobRecord record, PromptJob? job, ClaimLease lease, CancellationToken cancellationToken)
    {
        try
        {
            job ??= await LoadJobAsync(record, cancellationToken);
            if (job is null)
            {
                return new(record.JobId, JobOutcome.Failed);
            }

            var (history, settled) = await ContinueFromParentAsync(record, job, cancellationToken);
            if (settled is not null)
            {
                return settled;
            }

            var request = requests.Create(job, history);
            var outcome = await CallModelAsync(record, lease, request, cancellationToken);

            // The answer is in hand: record it even if the host is stopping, so the call is never made twice.
            return outcome.Deferred ?? await RecordOutcomeAsync(record, outcome.Request!, outcome.Chat!, CancellationToken.None);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host is stopping mid-call: hand the job back now rather than leave it Running until its claim lapses.
            return await ReleaseAsync(record);
        }
    }

    /// <summary>
    /// A continuation's inherited conversation, or the result that settles this delivery: the job waits for an
    /// unfinished parent (costing no attempt and no budget slot) or fails when the parent cannot be continued.
    /// </summary>
    private async Task<(IReadOnlyList<ChatMessage>? History, JobProcessingResult? Settled)> ContinueFromParentAsync(
        JobRecord record, PromptJob job, CancellationToken cancellationToken)
    {
        if (job.ParentJobId is not { } parentJobId)
        {
            return (null, null);
        }

        switch (await parents.ResolveAsync(record, parentJobId, cancellationToken))
        {
            case ParentReady ready:
                return (ready.History, null);
            case ParentUnusable unusable:
                return (null, await FailAsync(record, unusable.Error, null, cancellationToken));
            case ParentPending pending:
                record.ParentWaits++;
                LogParentPending(record.JobId, pending.Why);
                var until = time.GetUtcNow() + parents.NextWait(record.ParentWaits);
                return (null, await WaitAsync(record, until, WaitReason.Parent, null, cancellationToken));
            default:
                throw new InvalidOperationException("Unknown parent resolution.");
        }
    }

    /// <summary>Takes a budget slot (or defers), then calls the model, falling back to a paid model where configured.</summary>
    /// <returns>The outcome with the request that produced it (the fallback's, when it was used), or the deferral.</returns>
    private async Task<(ChatOutcome? Chat, ChatRequest? Request, JobProcessingResult? Deferred)> CallModelAsync(JobRecord record, ClaimLease lease, ChatRequest request, CancellationToken cancellationToken)
    {
        // Any free model in the chain may serve the call and spend a free request, so any one of them meters it.
        var slot = request.AllModels.Any(budget.Meters) ? await budget.AcquireAsync(record.JobId, record.Lane, cancellationToken) : null;
        while (slot is BudgetGranted waiting && waiting.SlotAt > time.GetUtcNow())
        {
            await Task.Delay(waiting.SlotAt - time.GetUtcNow(), time, cancellationToken);

            // A 429 learned by another call while this one waited blocks it too: it would only be refused, and spend
            // one of the day's requests at the provider. A call before it that went out late may move its slot on.
            slot = await budget.RecheckAsync(waiting, record.JobId, record.Lane, cancellationToken);
            if (slot == waiting)
            {
                break;
            }
        }

        if (slot is BudgetDeferred { Reason: BudgetWait.DailyLimit } && FallbackFor(request) is { } paid)
        {
            LogFallback(record.JobId, request.Model, paid.Model, "today's free requests are spent");
            request = paid;
        }
        else if (slot is BudgetDeferred { Reserved: true } reserved)
        {
            // The job owns that slot: it comes back just ahead of it, waits for it inline, and competes no more.
            return (null, null, await WaitAsync(record, reserved.Until, reserved.Reason.ToWaitReason(), null, cancellationToken, BudgetRules.ReservationLead));
        }
        else if (slot is BudgetDeferred deferred)
        {
            // No call is made, so no attempt is counted, and nothing was spent.
            return (null, null, await WaitAsync(record, Spread(deferred.Until), deferred.Reason.ToWaitReason(), null, cancellationToken));
        }

        var outcome = await CallWhileClaimedAsync(record, lease, request, slot as BudgetGranted, cancellationToken);
        if (outcome is ChatFailed failed && IsFreeVariantGone(failed.Error) && FallbackFor(request) is { } replacement)
        {
            LogFallback(record.JobId, request.Model, replacement.Model, failed.Error.Message);
            request = replacement;
            outcome = await CallWhileClaimedAsync(record, lease, request, null, cancellationToken);
        }

        return outcome is null ? (null, null, new(record.JobId, JobOutcome.Duplicate)) : (outcome, request, null);
    }

    /// <summary>
    /// Makes one model call under the claim: counts it as it starts, then renews the claim (and pushes out its watch)
    /// every half claim while the call runs, so a live worker is never overtaken however long the model thinks.
    /// Null when the job was taken over meanwhile: the call is cut short, since its answer could not be stored.
    /// </summary>
    private async Task<ChatOutcome?> CallWhileClaimedAsync(JobRecord record, ClaimLease lease, ChatRequest request, BudgetGranted? granted, CancellationToken cancellationToken)
    {
        if (!await StartCallAsync(record, lease, cancellationToken))
        {
            return null;
        }

        using var takenOver = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var callEnded = new CancellationTokenSource();
        var heartbeat = RenewWhileCallingAsync(record, lease, takenOver, callEnded.Token);
        try
        {
            var startedAt = time.GetUtcNow();
            var call = chat.CompleteAsync(request, takenOver.Token);
            if (granted is not null)
            {
                await ConfirmStartAsync(record.JobId, granted, startedAt);
            }

            return await call;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && takenOver.IsCancellationRequested)
        {
            LogClaimLost(record.JobId);
            return null;
        }
        finally
        {
            await callEnded.CancelAsync();
            await heartbeat;
        }
    }

    /// <summary>
    /// Tells the budget when the call really went out, while it runs (see <see cref="RequestBudget.ConfirmStartAsync"/>).
    /// A storage fault only costs the correction: the call itself goes on.
    /// </summary>
    private async Task ConfirmStartAsync(string jobId, BudgetGranted granted, DateTimeOffset startedAt)
    {
        try
        {
            await budget.ConfirmStartAsync(granted, jobId, startedAt, CancellationToken.None);
        }
        catch (Exception ex) when (StorageFaults.IsTransient(ex))
        {
            LogLateStartNotRecorded(ex, jobId);
        }
    }

    private async Task RenewWhileCallingAsync(JobRecord record, ClaimLease lease, CancellationTokenSource takenOver, CancellationToken callEnded)
    {
        var interval = _options.ClaimDuration / 2;
        while (true)
        {
            try
            {
                await Task.Delay(interval, time, callEnded);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                JobLifecycle.MarkClaimRenewed(record, time.GetUtcNow() + _options.ClaimDuration);
                if (!await TryWriteOwnClaimAsync(record))
                {
                    await takenOver.CancelAsync();
                    return;
                }

                await lease.RenewAsync(record.ClaimedUntil!.Value, CancellationToken.None);
            }
            catch (Exception ex) when (StorageFaults.IsTransient(ex))
            {
                // The call goes on; the next renewal tries again, and the answer is stored while the claim holds.
                LogRenewalFailed(ex, record.JobId);
            }
        }
    }

    /// <summary>
    /// Writes the job as this worker's claim has it. A conflict may be this worker's own earlier write whose answer
    /// was lost: if the stored job is still Running under this claim, its version is taken and the write tried again.
    /// False when the job is another worker's now.
    /// </summary>
    private async Task<bool> TryWriteOwnClaimAsync(JobRecord record)
    {
        if (await store.TryUpdateAsync(record, CancellationToken.None))
        {
            return true;
        }

        var stored = await store.FindAsync(record.JobId, CancellationToken.None);
        if (stored is not { Status: JobStatus.Running } || stored.ClaimToken != record.ClaimToken)
        {
            return false;
        }

        record.ETag = stored.ETag;
        return await store.TryUpdateAsync(record, CancellationToken.None);
    }

    /// <summary>
    /// Counts the call about to start, and renews the claim for it, in one conditional write before the request goes
    /// out: <see cref="JobRecord.Attempts"/> then equals the calls made for the job, whatever stops the worker during
    /// the call. False when the job changed under this worker (its claim lapsed and another took it over).
    /// </summary>
    private async Task<bool> StartCallAsync(JobRecord record, ClaimLease lease, CancellationToken cancellationToken)
    {
        // A stop requested before the call is a release with nothing counted.
        cancellationToken.ThrowIfCancellationRequested();
        JobLifecycle.MarkCallStarted(record, time.GetUtcNow() + _options.ClaimDuration);

        // The count must reach storage once the request may have gone out; a stop from here on interrupts the call.
        if (!await TryWriteOwnClaimAsync(record))
        {
            LogClaimLost(record.JobId);
            return false;
        }

        await lease.RenewAsync(record.ClaimedUntil!.Value, CancellationToken.None);
        return true;
    }

    private async Task<JobProcessingResult> RecordOutcomeAsync(JobRecord record, ChatRequest request, ChatOutcome outcome, CancellationToken cancellationToken) => outcome switch
    {
        ChatSucceeded success => await CompleteAsync(record, request, success.Completion, cancellationToken),
        ChatFailed failure => await FailAsync(record, failure.Error, null, cancellationToken),
        ChatRetryLater retry => await RetryLaterAsync(record, retry, cancellationToken),
        ChatSystemicFailure systemic => await HoldForAccountProblemAsync(record, systemic.Error, cancellationToken),
        _ => throw new InvalidOperationException($"Unknown chat outcome {outcome.GetType().Name}."),
    };

    /// <summary>
    /// Gives a claimed job back on shutdown: it waits for no time at all and its message is re-sent, so another
    /// worker takes it over at once. The job is read again first: what this worker changed in memory since its last
    /// write (a failure it was recording when the stop came) is not stored, and if the stored job is no longer the one
    /// this worker last wrote, it is not this worker's to give back.
    /// </summary>
    private async Task<JobProcessingResult> ReleaseAsync(JobRecord record)
    {
        using var timeout = new CancellationTokenSource(ReleaseTimeout, time);
        try
        {
            var stored = await store.FindAsync(record.JobId, timeout.Token);
            if (stored is null || stored.ETag != record.ETag)
            {
                LogReleaseNotOurs(record.JobId, stored?.Status);
                return new(record.JobId, JobOutcome.Duplicate);
            }

            LogReleased(record.JobId);
            return await WaitAsync(stored, time.GetUtcNow(), WaitReason.Released, null, timeout.Token);
        }
        catch (Exception ex) when (ex is Azure.RequestFailedException or OperationCanceledException)
        {
            // Storage is unreachable too: the job stays Running, and its claim lapsing brings it back.
            LogReleaseFailed(ex, record.JobId);
            throw;
        }
    }

    private async Task<(JobRecord? Record, JobOutcome? Outcome, ClaimLease? Lease)> ClaimAsync(JobRecord record, CancellationToken cancellationToken)
    {
        var current = record;
        return await OptimisticConcurrency.UpdateAsync<(JobRecord?, JobOutcome?, ClaimLease?)>(
            async ct =>
            {
                var now = time.GetUtcNow();
                if (current.Status.IsTerminal())
                {
                    LogDuplicate(current.JobId, current.Status);
                    return ConcurrencyStep.Done<(JobRecord?, JobOutcome?, ClaimLease?)>((null, JobOutcome.Duplicate, null));
                }

                if (current is { Status: JobStatus.Running, ClaimToken: not null } && current.ClaimedUntil > now)
                {
                    // Another worker holds the job, and its claim's watch brings the job back if that worker vanishes.
                    LogHeld(current.JobId, current.Status, current.ClaimedUntil.Value);
                    return ConcurrencyStep.Done<(JobRecord?, JobOutcome?, ClaimLease?)>((null, JobOutcome.Duplicate, null));
                }

                var heldUntil = current.Status switch
                {
                    JobStatus.Running when current.ClaimedUntil > now => current.ClaimedUntil,
                    JobStatus.Waiting when current.NextAttemptAt > now + EarlyArrivalTolerance => current.NextAttemptAt,
                    _ => null,
                };
                if (heldUntil is { } until)
                {
                    // Someone else holds the job, or it is not due yet: come back when that changes, so it is never stranded.
                    await queue.SendAsync(current.JobId, until - now, ct);
                    LogHeld(current.JobId, current.Status, until);
                    JobTelemetry.Held(current);
                    return ConcurrencyStep.Done<(JobRecord?, JobOutcome?, ClaimLease?)>((null, JobOutcome.Deferred, null));
                }

                // The watch goes out first: no claim is ever stored without one, and a claim that is never stored leaves
                // only a watch that finds another claim, or none, and changes nothing.
                var lease = new ClaimLease(queue, current.JobId, JobTextRows.NewVersion() + JobTextRows.NewVersion(), time, logger);
                var claimedUntil = now + _options.ClaimDuration;
                await lease.OpenAsync(claimedUntil, ct);
                records.MarkRunning(current, claimedUntil, lease.Claim);
                if (await store.TryUpdateAsync(current, ct))
                {
                    return ConcurrencyStep.Done<(JobRecord?, JobOutcome?, ClaimLease?)>((current, null, lease));
                }

                await lease.EndAsync();
                if (await store.FindAsync(current.JobId, ct) is not { } fresh)
                {
                    return ConcurrencyStep.Done<(JobRecord?, JobOutcome?, ClaimLease?)>((null, JobOutcome.Duplicate, null));
                }

                current = fresh;
                return ConcurrencyStep.Conflict<(JobRecord?, JobOutcome?, ClaimLease?)>();
            },
            MaxClaimTries,
            () => (null, JobOutcome.Duplicate, null),
            cancellationToken);
    }

    /// <summary>The same request on the configured paid fallback, when one is set and the request is on a free model.</summary>
    /// <remarks>The job's own free fallbacks are dropped from it: they are what is gone or spent.</remarks>
    private ChatRequest? FallbackFor(ChatRequest request) =>
        _options.FallbackModel is { Length: > 0 } fallback && request.Model is { } model && model.EndsWith(":free", StringComparison.Ordinal) && model != fallback
            ? request with { Model = fallback, Models = request.Models?.Where(m => !m.EndsWith(":free", StringComparison.Ordinal)).ToList() is { Count: > 0 } paid ? paid : null }
            : null;

    /// <summary>OpenRouter no longer serves the model: a :free promotion ended, or no provider is left for it.</summary>
    private static bool IsFreeVariantGone(ProviderError error) =>
        error.HttpStatus == 404
        && (error.Code is "free_variant_ended" or "no_endpoints" or "model_deprecated" or "model_unavailable_upstream"
            || error.Message.Contains("No endpoints found", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// A random moment after <paramref name="earliest"/>, so waiting jobs come back staggered. The jitter grows with
    /// the wait, up to the deferral spread: a job held for seconds returns within seconds, while a backlog held until
    /// midnight spreads over the whole window instead of waking at one instant.
    /// </summary>
    private DateTimeOffset Spread(DateTimeOffset earliest)
    {
        var wait = earliest - time.GetUtcNow();
        var jitter = wait < budgetOptions.Value.DeferralSpread ? wait : budgetOptions.Value.DeferralSpread;
        return jitter <= TimeSpan.Zero ? earliest : earliest + jitter * Random.Shared.NextDouble();
    }

    private async Task<PromptJob?> LoadJobAsync(JobRecord record, CancellationToken cancellationToken)
    {
        var json = await store.ReadTextAsync(record, JobText.Request, cancellationToken);
        var read = json is null ? null : PromptJobReader.Read(json, limits.Value);
        if (read is { IsValid: true })
        {
            return read.Job;
        }

        var reason = read is null ? "the job has no stored request" : "the stored request is no longer valid: " + read.Describe();
        await FailAsync(record, new ProviderError(null, "invalid_job", reason, null, null, null), null, cancellationToken);
        return null;
    }

    private async Task<JobProcessingResult> CompleteAsync(JobRecord record, ChatRequest request, ChatCompletion completion, CancellationToken cancellationToken)
    {
        var heldUntil = record.ClaimedUntil;
        var texts = records.MarkCompleted(record, completion, request);
        if (!await StoreWhileClaimedAsync(record, texts, heldUntil, cancellationToken))
        {
            // Our claim lapsed and another worker took the job over: its result is the one that counts.
            LogClaimLost(record.JobId);
            return new(record.JobId, JobOutcome.Duplicate);
        }

        LogCompleted(record.JobId, record.UsedModel, record.TotalTokens, record.ReasoningChunks > 0);
        JobTelemetry.Completed(record);
        await notices.PublishAsync(record);
        return new(record.JobId, JobOutcome.Completed);
    }

    private async Task<JobProcessingResult> FailAsync(JobRecord record, ProviderError error, string? summary, CancellationToken cancellationToken)
    {
        var heldUntil = record.ClaimedUntil;
        records.MarkFailed(record, error, summary);
        if (!await StoreWhileClaimedAsync(record, NoTexts, heldUntil, cancellationToken))
        {
            LogClaimLost(record.JobId);
            return new(record.JobId, JobOutcome.Duplicate);
        }

        LogFailed(record.JobId, error.Code, record.ErrorMessage);
        JobTelemetry.Failed(record);
        await notices.PublishAsync(record);
        return new(record.JobId, JobOutcome.Failed);
    }

    private async Task<JobProcessingResult> RetryLaterAsync(JobRecord record, ChatRetryLater retry, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var rateLimited = retry.Reason is RetryReason.RateLimitedPerMinute or RetryReason.RateLimitedPerDay or RetryReason.RateLimited;
        if (rateLimited)
        {
            // The API refused to start the call: waiting for quota never brings the job closer to giving up, and
            // every instance learns the reset so that none of them asks again before it.
            await budget.LearnAsync(retry, cancellationToken);
            return await WaitAsync(record, Spread(now + RetryDelay.For(retry, record.FailedCalls, now, _options)), retry.Reason.ToWaitReason(), retry.Error, cancellationToken);
        }

        record.FailedCalls++;
        if (record.FailedCalls >= _options.MaxAttempts)
        {
            var summary = $"gave up after {record.FailedCalls} failed call(s); the last one failed with: {retry.Error.Message}";
            return await FailAsync(record, retry.Error, summary, cancellationToken);
        }

        var delay = RetryDelay.For(retry, record.FailedCalls, now, _options);
        return await WaitAsync(record, now + delay, retry.Reason.ToWaitReason(), retry.Error, cancellationToken);
    }

    private async Task<JobProcessingResult> HoldForAccountProblemAsync(JobRecord record, ProviderError error, CancellationToken cancellationToken)
    {
        // A bad key or an empty account fails every job alike: pause every instance instead of failing them all.
        var until = time.GetUtcNow() + _options.SystemicFailurePause;
        LogAccountProblem(error.HttpStatus, error.Message, _options.SystemicFailurePause);
        // Say what to fix: a 401 is the key (OpenRouter__ApiKey, or OPENROUTER_API_KEY for promptq), a 402 the credits.
        var fix = error.HttpStatus switch
        {
            401 => "; check the API key (OpenRouter__ApiKey; for promptq also OPENROUTER_API_KEY)",
            402 => "; add credits to the OpenRouter account",
            _ => "",
        };
        await budget.PauseAsync(until, $"OpenRouter refused the account (HTTP {error.HttpStatus}): {error.Message.TrimEnd('.')}{fix}", keyAtFault: error.HttpStatus == 401, cancellationToken);
        return await WaitAsync(record, Spread(until), WaitReason.AccountProblem, error, cancellationToken);
    }

    /// <param name="record">The claimed job.</param>
    /// <param name="until">When the job is due again.</param>
    /// <param name="reason">Why it waits.</param>
    /// <param name="error">The provider's error that made it wait, if any.</param>
    /// <param name="cancellationToken">Stops the writes.</param>
    /// <param name="early">How much ahead of <paramref name="until"/> its message arrives (it must be under <see cref="EarlyArrivalTolerance"/>).</param>
    private async Task<JobProcessingResult> WaitAsync(JobRecord record, DateTimeOffset until, WaitReason reason, ProviderError? error, CancellationToken cancellationToken, TimeSpan early = default)
    {
        // The message goes out before the status changes: if the write below fails, the job is still Running
        // with a claim, and that message will find it and take it over once the claim lapses.
        await queue.SendAsync(record.JobId, until - early - time.GetUtcNow(), cancellationToken);
        var heldUntil = record.ClaimedUntil;
        JobLifecycle.MarkWaiting(record, until, reason, error);
        if (!await StoreWhileClaimedAsync(record, NoTexts, heldUntil, cancellationToken))
        {
            LogClaimLost(record.JobId);
            return new(record.JobId, JobOutcome.Duplicate);
        }

        LogWaiting(record.JobId, reason, until);
        JobTelemetry.Deferred(reason.ToString());
        return new(record.JobId, JobOutcome.Deferred);
    }

    /// <summary>
    /// Writes what this worker decided about its claimed job, riding out a storage outage for as long as the claim
    /// holds: an answer in hand is never thrown away for an outage shorter than that, since the job would otherwise be
    /// called again. False when the job changed under this worker.
    /// </summary>
    /// <remarks>
    /// A try that failed may still have been stored, its answer lost on the way back; a conflict on the next try then
    /// finds the job exactly as this worker wrote it, which counts as stored.
    /// </remarks>
    private async Task<bool> StoreWhileClaimedAsync(JobRecord record, IReadOnlyDictionary<JobText, string> texts, DateTimeOffset? heldUntil, CancellationToken cancellationToken)
    {
        for (var failures = 0; ; failures++)
        {
            try
            {
                if (await store.TryUpdateAsync(record, texts, cancellationToken))
                {
                    return true;
                }

                if (failures > 0 && await store.FindAsync(record.JobId, cancellationToken) is { } stored && IsSameWrite(stored, record))
                {
                    record.ETag = stored.ETag;
                    return true;
                }

                return false;
            }
            catch (Exception ex) when (StorageFaults.IsTransient(ex) && time.GetUtcNow() + StoreRetryDelay(failures) < heldUntil)
            {
                LogStoreRetry(ex, record.JobId, failures + 1);
                await Task.Delay(StoreRetryDelay(failures), time, cancellationToken);
            }
        }
    }

    private static readonly Dictionary<JobText, string> NoTexts = [];

    /// <summary>Doubling from a quarter of a second up to ten seconds, so a short outage costs little waiting and a long one few tries.</summary>
    private static TimeSpan StoreRetryDelay(int failures) => TimeSpan.FromMilliseconds(Math.Min(10_000, 250 * Math.Pow(2, Math.Min(failures, 10))));

    private static bool IsSameWrite(JobRecord stored, JobRecord written) =>
        stored.Status == written.Status && stored.Attempts == written.Attempts && stored.CompletedAt == written.CompletedAt
        && stored.NextAttemptAt == written.NextAttemptAt && stored.WaitReason == written.WaitReason && stored.ClaimToken == written.ClaimToken;

    private IDisposable? BeginJobScope(string jobId) => logger.BeginScope(new Dictionary<string, object> { ["JobId"] = jobId });

    [LoggerMessage(LogLevel.Warning, "Job {JobId}: storing its outcome failed (try {Try}); trying again while this worker's claim holds")]
    private partial void LogStoreRetry(Exception exception, string jobId, int @try);

    [LoggerMessage(LogLevel.Warning, "Job {JobId}: its worker's claim lapsed at {ClaimedUntil:o} with the job still running; this worker takes it over")]
    private partial void LogTakeover(string jobId, DateTimeOffset? claimedUntil);

    [LoggerMessage(LogLevel.Warning, "Job {JobId}: renewing the claim failed; the call goes on and the next renewal tries again")]
    private partial void LogRenewalFailed(Exception exception, string jobId);

    [LoggerMessage(LogLevel.Warning, "Job {JobId}: its call went out late and the budget could not be told; the call goes on")]
    private partial void LogLateStartNotRecorded(Exception exception, string jobId);

    [LoggerMessage(LogLevel.Information, "Job {JobId} waits for its parent: {Why}")]
    private partial void LogParentPending(string jobId, string why);

    [LoggerMessage(LogLevel.Information, "Job {JobId} released: the host is stopping, so another worker takes it over")]
    private partial void LogReleased(string jobId);

    [LoggerMessage(LogLevel.Information, "Job {JobId} is not released on shutdown: it changed since this worker's last write (now {Status})")]
    private partial void LogReleaseNotOurs(string jobId, JobStatus? status);

    [LoggerMessage(LogLevel.Warning, "Job {JobId} could not be released on shutdown; it returns when its claim lapses")]
    private partial void LogReleaseFailed(Exception exception, string jobId);

    [LoggerMessage(LogLevel.Warning, "Job {JobId} falls back from {Model} to the paid {FallbackModel}: {Reason}")]
    private partial void LogFallback(string jobId, string? model, string? fallbackModel, string reason);

    [LoggerMessage(LogLevel.Information, "Job {JobId} completed with model {Model}, {TotalTokens} tokens, reasoning kept: {HasReasoning}")]
    private partial void LogCompleted(string jobId, string? model, int? totalTokens, bool hasReasoning);

    [LoggerMessage(LogLevel.Warning, "Job {JobId} failed ({ErrorCode}): {ErrorMessage}")]
    private partial void LogFailed(string jobId, string errorCode, string? errorMessage);

    [LoggerMessage(LogLevel.Warning, "Job {JobId} rejected: {Reason}")]
    private partial void LogRejected(string jobId, string reason);

    [LoggerMessage(LogLevel.Information, "Job {JobId} waits until {Until:o} ({Reason})")]
    private partial void LogWaiting(string jobId, WaitReason reason, DateTimeOffset until);

    [LoggerMessage(LogLevel.Debug, "Job {JobId} is {Status} until {Until:o}; its message comes back then")]
    private partial void LogHeld(string jobId, JobStatus status, DateTimeOffset until);

    [LoggerMessage(LogLevel.Information, "Job {JobId} is already {Status}; this delivery is a duplicate and changes nothing")]
    private partial void LogDuplicate(string jobId, JobStatus status);

    [LoggerMessage(LogLevel.Warning, "Job {JobId} changed under this worker (its claim lapsed); this worker's result is discarded")]
    private partial void LogClaimLost(string jobId);

    [LoggerMessage(LogLevel.Error, "Job {JobId} dead-lettered: the host gave up on its message after repeated failures")]
    private partial void LogDeadLettered(string jobId);

    [LoggerMessage(LogLevel.Error, "OpenRouter refused the account itself (HTTP {Status}: {Message}); every instance pauses for {Pause} instead of failing jobs")]
    private partial void LogAccountProblem(int? status, string message, TimeSpan pause);
}
