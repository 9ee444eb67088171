using System.Globalization;
using PromptQueue.Contracts;
using PromptQueue.Core.OpenRouter;

namespace PromptQueue.Core.Budget;

/// <summary>The budget's arithmetic, free of storage and clocks, so every rule is tested with plain values.</summary>
/// <remarks>
/// The per-minute limit is the account's own rule, kept exactly: a request may start when fewer than the limit started
/// in the last 60 s (plus <see cref="BudgetOptions.WindowMargin"/>, once per window). The budget keeps a log of those
/// starts, so an idle account admits a burst up to the limit at once, a backlog runs at the limit per window, and any
/// 60-second window, wherever it falls (a sliding one, or the provider's fixed minutes), holds at most the limit. A
/// deferred job reserves its future slot in the same log and comes back to it. A per-UTC-day counter enforces the daily
/// limit exactly, to the last request.
/// </remarks>
public static class BudgetRules
{
    /// <summary>Used when a per-minute 429 names no reset: OpenRouter's windows are one minute long.</summary>
    private static readonly TimeSpan DefaultBlock = TimeSpan.FromMinutes(1);

    /// <summary>
    /// A job deferred to a reserved slot is sent back this much ahead of it (the queue rounds delays up to whole
    /// seconds), and waits inline for the slot itself, so that it starts on time.
    /// </summary>
    public static readonly TimeSpan ReservationLead = TimeSpan.FromSeconds(1);

    public static string DayOf(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static DateTimeOffset NextUtcMidnight(DateTimeOffset now) => new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero).AddDays(1);

    /// <summary>The limits in force: the configured ones, lowered by anything the API taught us today.</summary>
    public static (int PerMinute, int PerDay) Limits(BudgetState state, BudgetOptions options)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(options);
        return (
            Math.Min(options.RequestsPerMinute, state.LearnedRequestsPerMinute ?? int.MaxValue),
            Math.Min(options.RequestsPerDay, state.LearnedRequestsPerDay ?? int.MaxValue));
    }

    /// <summary>A job's name in the start log: a short fingerprint of its id, enough to find its reservation.</summary>
    /// <remarks>Two jobs that share one (1 in 4 billion) would only swap reservations, never make an extra call.</remarks>
    public static string HolderOf(string jobId) => Fingerprint(jobId, 8);

    /// <summary>
    /// The earliest moment from <paramref name="from"/> at which one more request may start without any window of the
    /// account's rule holding more than <paramref name="perMinute"/>, and without coming closer than the minimum gap
    /// to any start in the log.
    /// </summary>
    /// <remarks>
    /// A new start at t breaks the rule exactly when it and some <paramref name="perMinute"/> consecutive starts of the
    /// log fit inside one window: when those starts span less than a window, t is barred from the open interval
    /// (last - window, first + window). The answer is the first moment outside every such interval.
    /// </remarks>
    public static DateTimeOffset EarliestStart(StartLog starts, DateTimeOffset from, int perMinute, BudgetOptions options)
    {
        ArgumentNullException.ThrowIfNull(starts);
        ArgumentNullException.ThrowIfNull(options);
        var window = options.Window + options.WindowMargin;
        var barred = new List<(DateTimeOffset From, DateTimeOffset To)>();
        for (var first = 0; first + perMinute - 1 < starts.Count; first++)
        {
            var (earliest, latest) = (starts[first].At, starts[first + perMinute - 1].At);
            if (latest - earliest < window)
            {
                barred.Add((latest - window, earliest + window));
            }
        }

        if (options.MinimumGap > TimeSpan.Zero)
        {
            barred.AddRange(starts.Select(s => (s.At - options.MinimumGap, s.At + options.MinimumGap)));
        }

        var at = from;
        foreach (var (barredFrom, barredTo) in barred.OrderBy(b => b.From))
        {
            if (barredFrom >= at)
            {
                break;
            }

            if (barredTo > at)
            {
                at = barredTo;
            }
        }

        return at;
    }

    /// <summary>
    /// The budget with what no longer counts taken out: starts older than a window, and reserved slots whose job did
    /// not come back within <see cref="BudgetOptions.ReservationGrace"/>, which go back to the day's count.
    /// </summary>
    public static BudgetState Tidy(BudgetState current, DateTimeOffset now, BudgetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var state = RollOver(current, now);
        var windowStart = now - options.Window - options.WindowMargin;
        var lapsed = state.Starts.Count(s => s.Reserved && s.At < now - options.ReservationGrace && DayOf(s.At) == state.Day);
        var kept = state.Starts.Where(s => s.Reserved ? s.At >= now - options.ReservationGrace : s.At > windowStart);
        return kept.Equals(state.Starts) ? state : state with { Starts = kept, DayUsed = Math.Max(0, state.DayUsed - lapsed) };
    }

    /// <summary>
    /// The budget row written by a version that spaced requests evenly (it kept only the next slot): read as if the
    /// last minute had been full up to that slot, so the first burst after an upgrade cannot exceed the limit.
    /// </summary>
    public static StartLog FromSpacedSlot(DateTimeOffset nextSlotAt, int perMinute, TimeSpan window)
    {
        var spacing = window / perMinute;
        return StartLog.Of(Enumerable.Range(1, perMinute).Select(k => new BudgetStart(CeilingToMillisecond(nextSlotAt - spacing * k))));
    }

    /// <summary>Starts a new day's count when the UTC day has changed; today's lessons expire with it.</summary>
    public static BudgetState RollOver(BudgetState state, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        var today = DayOf(now);
        return state.Day == today
            ? state
            : state with { Day = today, DayUsed = 0, DayBlockedUntil = null, LearnedRequestsPerMinute = null, LearnedRequestsPerDay = null };
    }

    /// <summary>
    /// Decides on one request for the job <paramref name="holder"/> names (null: a call of no job, which never
    /// reserves). A grant spends a start now or a few seconds ahead; a deferral may reserve the job's future slot, or
    /// reserve nothing. <c>NewState</c> is what to write, null when nothing changed; the decision holds only if that
    /// write succeeds.
    /// </summary>
    /// <param name="current">The budget as stored.</param>
    /// <param name="now">The moment of the decision.</param>
    /// <param name="options">The limits and margins.</param>
    /// <param name="holder">The job asking, as <see cref="HolderOf"/>; null for a call of no job.</param>
    /// <param name="lane">The job's lane: while an interactive job waits, a bulk one gets less (see <see cref="LaneLimits"/>), and an interactive one takes a bulk job's reserved slot.</param>
    public static (BudgetDecision Decision, BudgetState? NewState) Decide(BudgetState current, DateTimeOffset now, BudgetOptions options, string? holder = null, JobPriority lane = JobPriority.Interactive)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(options);
        var tidy = Tidy(current, now, options);
        var state = tidy;
        if (state.PausedUntil > now)
        {
            return (new BudgetDeferred(state.PausedUntil.Value, BudgetWait.Paused, state.PauseReason ?? "paused"), null);
        }

        var (perMinute, perDay) = Limits(state, options);
        if (state.DayBlockedUntil > now)
        {
            return (new BudgetDeferred(state.DayBlockedUntil.Value, BudgetWait.DailyLimit, "OpenRouter reported the daily limit reached"), null);
        }

        if (holder is not null && state.Starts.FirstOrDefault(s => s.Reserved && s.Holder == holder) is { Reserved: true } reservation)
        {
            // The job's own slot: it starts then without competing again, unless a 429 learned since blocks it, when
            // the slot is given up. A start before it that went out late (see MoveStart) moves the slot on as far as
            // the rule then needs. A job back after its slot (its worker was busy) starts as soon as the starts made
            // so far allow: the slots granted or reserved after it check the rule again before they start, and move on.
            var ownWait = options.MaxInlineWait > 2 * ReservationLead ? options.MaxInlineWait : 2 * ReservationLead;
            var at = reservation.At >= now
                ? StillAllowed(state.Starts, reservation, perMinute, options)
                : CeilingToMillisecond(EarliestStart(state.Starts.Where(s => s.At <= now).Without(s => s == reservation), now, perMinute, options));
            var blocked = state.BlockedUntil > at;
            if (!blocked && at >= now && at - now <= ownWait)
            {
                var used = state.Starts.Without(s => s == reservation).With(reservation with { At = at, Reserved = false });
                return (new BudgetGranted(at), state with { Starts = used });
            }

            if (!blocked && at > now)
            {
                var moved = at == reservation.At ? null : state with { Starts = state.Starts.Without(s => s == reservation).With(reservation with { At = at }) };
                return (new BudgetDeferred(at, BudgetWait.Spacing, Reserved(at, perMinute), Reserved: true), moved);
            }

            state = state with { Starts = state.Starts.Without(s => s == reservation), DayUsed = Math.Max(0, state.DayUsed - 1) };
        }

        // What tidying alone dropped needs no write: every reader tidies the same way.
        var changed = state == tidy ? null : state;
        var bulk = lane == JobPriority.Bulk;
        var (lanePerMinute, lanePerDay) = LaneLimits(state, now, options, lane);
        if (state.DayUsed >= perDay)
        {
            return Waits(new BudgetDeferred(NextUtcMidnight(now), BudgetWait.DailyLimit, $"all {perDay} requests of {state.Day} are spent"), changed);
        }

        if (state.DayUsed >= lanePerDay)
        {
            // Not the paid fallback's case: the free requests left are kept for the interactive job that waits.
            var until = Latest(now + options.Window, state.InteractiveWaitingUntil);
            return (new BudgetDeferred(until, BudgetWait.Spacing, $"the day's last {perDay - lanePerDay} requests are kept for interactive jobs while one waits"), changed);
        }

        // Rounded up to what the log stores, so the start granted is the start kept, to the millisecond.
        var slot = CeilingToMillisecond(EarliestStart(state.Starts, Latest(now, state.BlockedUntil), lanePerMinute, options));
        var reason = state.BlockedUntil >= slot ? BudgetWait.BlockedUntilReset : BudgetWait.Spacing;
        if (DayOf(slot) != state.Day)
        {
            // A slot past midnight belongs to tomorrow's count; take it tomorrow, so no day ever counts short.
            return Waits(new BudgetDeferred(slot, BudgetWait.Spacing, "next free slot is in the next UTC day"), changed);
        }

        var log = state.Starts;
        if (!bulk && log.FirstOrDefault(s => s.Reserved && s.Bulk && s.At > now + ReservationLead && s.At < slot) is { Reserved: true } bumped)
        {
            // An interactive job goes before the bulk job that reserved an earlier slot, whose message is not due yet:
            // that job takes this one's slot instead, and learns so when it comes back. The log holds the same starts.
            log = log.Without(s => s == bumped).With(bumped with { At = slot });
            slot = bumped.At;
        }

        if (slot - now <= options.MaxInlineWait)
        {
            return (new BudgetGranted(slot), state with { Starts = log.With(new BudgetStart(slot, holder, Bulk: bulk)), DayUsed = state.DayUsed + 1 });
        }

        if (holder is not null && slot - now <= options.ReservationHorizon)
        {
            var reserved = state with { Starts = log.With(new BudgetStart(slot, holder, Reserved: true, Bulk: bulk)), DayUsed = state.DayUsed + 1 };
            return Waits(new BudgetDeferred(slot, reason, Reserved(slot, perMinute), Reserved: true), reserved);
        }

        return Waits(new BudgetDeferred(slot, reason, $"next free slot at {slot:HH:mm:ss} UTC ({lanePerMinute}/min)"), changed);

        // An interactive job that must wait says until when, so bulk jobs leave it room meanwhile.
        (BudgetDecision, BudgetState?) Waits(BudgetDeferred deferred, BudgetState? written) =>
            bulk || holder is null || (written ?? state).InteractiveWaitingUntil >= deferred.Until
                ? (deferred, written)
                : (deferred, (written ?? state) with { InteractiveWaitingUntil = deferred.Until });
    }

    /// <summary>
    /// The per-window and daily limits for a job of <paramref name="lane"/>: the limits in force, less what bulk
    /// jobs leave to interactive ones while one waits (<see cref="BudgetOptions.InteractiveShare"/>, at least one
    /// request a window left to bulk, and <see cref="BudgetOptions.InteractiveDailyReserve"/>).
    /// </summary>
    public static (int PerMinute, int PerDay) LaneLimits(BudgetState state, DateTimeOffset now, BudgetOptions options, JobPriority lane)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(options);
        var (perMinute, perDay) = Limits(state, options);
        if (lane != JobPriority.Bulk || !InteractiveWaiting(state, now))
        {
            return (perMinute, perDay);
        }

        var kept = (int)Math.Ceiling(options.InteractiveShare * perMinute);
        return (Math.Max(1, perMinute - kept), Math.Max(0, perDay - options.InteractiveDailyReserve));
    }

    /// <summary>Whether an interactive job waits for a slot: one was told to come back later than now, or holds a reservation.</summary>
    public static bool InteractiveWaiting(BudgetState state, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.InteractiveWaitingUntil > now || state.Starts.Any(s => s.Reserved && !s.Bulk);
    }

    private static string Reserved(DateTimeOffset slot, int perMinute) => $"reserved the slot at {slot:HH:mm:ss.fff} UTC ({perMinute}/min)";

    /// <summary>
    /// What a receiver of new work should do: hold off until <c>HoldUntil</c> (a job received before then could neither
    /// start nor reserve its slot, and would only be put back to ask again), and be polling again by <c>WakeAt</c>, when
    /// a reserved slot's job is due back. A job that can reserve is worth taking at once: it is deferred once, to a
    /// definite slot, and the queue is left holding only messages that are due, so none waits behind a backlog.
    /// While a reserved job is due and has not claimed its slot, nothing is held and the receiver polls at least every
    /// <see cref="ReservationLead"/>: its message is on the queue, or about to be. The daily limit holds nothing back: a
    /// paid fallback, or jobs on models the budget does not meter, may still run.
    /// </summary>
    public static (DateTimeOffset? HoldUntil, DateTimeOffset? WakeAt) ReceiveAdvice(BudgetState current, DateTimeOffset now, BudgetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var state = Tidy(current, now, options);
        var reserved = state.Starts.Where(s => s.Reserved).Select(s => s.At - ReservationLead).ToList();
        if (reserved.Any(due => due <= now))
        {
            return (null, now + ReservationLead);
        }

        var wakeAt = reserved.Count > 0 ? reserved[0] : (DateTimeOffset?)null;
        if (state.PausedUntil > now)
        {
            return (state.PausedUntil, wakeAt);
        }

        var (perMinute, perDay) = Limits(state, options);
        if (state.DayUsed >= perDay || state.DayBlockedUntil > now)
        {
            return (null, wakeAt);
        }

        var opening = EarliestStart(state.Starts, Latest(now, state.BlockedUntil), perMinute, options);
        var holdUntil = Earliest(opening - Longest(options.MaxInlineWait, options.ReservationHorizon), wakeAt);
        return (holdUntil > now ? holdUntil : null, wakeAt);
    }

    /// <summary>
    /// Whether a request granted earlier must still not start at <paramref name="now"/>: a block learned meanwhile (a
    /// 429's reset, a paused account, the day's limit reported) holds back calls already granted, so they do not go out
    /// only to be refused. Null when the call may start.
    /// </summary>
    public static BudgetDeferred? HeldBack(BudgetState current, DateTimeOffset now)
    {
        var state = RollOver(current, now);
        if (state.PausedUntil > now)
        {
            return new BudgetDeferred(state.PausedUntil.Value, BudgetWait.Paused, state.PauseReason ?? "paused");
        }

        if (state.DayBlockedUntil > now)
        {
            return new BudgetDeferred(state.DayBlockedUntil.Value, BudgetWait.DailyLimit, "OpenRouter reported the daily limit reached");
        }

        return state.BlockedUntil > now
            ? new BudgetDeferred(state.BlockedUntil.Value, BudgetWait.BlockedUntilReset, $"a 429 blocks requests until {state.BlockedUntil:HH:mm:ss} UTC")
            : null;
    }

    /// <summary>
    /// How much later than its slot a call may go out before the budget counts it from when it really went out. The
    /// window margin absorbs the rest: half of it is left for calls that went out late by different amounts.
    /// </summary>
    public static TimeSpan LateStartTolerance(BudgetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.WindowMargin / 2;
    }

    /// <summary>
    /// The start granted at <paramref name="slotAt"/> (to <paramref name="holder"/>) counted from
    /// <paramref name="startedAt"/>, when its call really went out. The account counts a call when it arrives: a call
    /// that went out a second after its slot, counted at the slot, would let the call a window after it arrive while
    /// the account still counts the first. Calls granted and not yet started see the move when they check again.
    /// </summary>
    public static BudgetState MoveStart(BudgetState current, DateTimeOffset slotAt, string? holder, DateTimeOffset startedAt)
    {
        ArgumentNullException.ThrowIfNull(current);
        var at = CeilingToMillisecond(startedAt);
        return at > slotAt && GrantedStart(current.Starts, slotAt, holder) is { } granted
            ? current with { Starts = current.Starts.Without(s => s == granted).With(granted with { At = at }) }
            : current;
    }

    /// <summary>
    /// Checks a slot granted earlier just before its call starts: a block learned meanwhile holds it back (see
    /// <see cref="HeldBack"/>) and gives the request back; a start before it that was moved to when its call really
    /// went out (see <see cref="MoveStart"/>) may leave the slot too early, when the job asks again with its slot
    /// given back. The decision is null when the call may start at its slot.
    /// </summary>
    public static (BudgetDecision? Decision, BudgetState? NewState) Recheck(BudgetState current, BudgetGranted granted, string? holder, DateTimeOffset now, BudgetOptions options, JobPriority lane = JobPriority.Interactive)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(granted);
        ArgumentNullException.ThrowIfNull(options);
        if (HeldBack(current, now) is { } held)
        {
            return (held, ReturnSlot(current, granted.SlotAt, holder, now));
        }

        var state = RollOver(current, now);
        if (GrantedStart(state.Starts, granted.SlotAt, holder) is not { } own || StillAllowed(state.Starts, own, Limits(state, options).PerMinute, options) == own.At)
        {
            return (null, null);
        }

        var returned = ReturnSlot(state, granted.SlotAt, holder, now);
        var (decision, decided) = Decide(returned, now, options, holder, lane);
        return (decision, decided ?? returned);
    }

    /// <summary>The start granted at <paramref name="slotAt"/> to <paramref name="holder"/>, if the log still holds it.</summary>
    private static BudgetStart? GrantedStart(StartLog starts, DateTimeOffset slotAt, string? holder) =>
        starts.Where(s => s.At == slotAt && s.Holder == holder && !s.Reserved).Select(s => (BudgetStart?)s).FirstOrDefault();

    /// <summary>
    /// The earliest moment from its own that the start <paramref name="own"/> may keep, given the rest of the log as
    /// it stands: its own, unless a start before it was moved later since it was given.
    /// </summary>
    private static DateTimeOffset StillAllowed(StartLog starts, BudgetStart own, int perMinute, BudgetOptions options) =>
        CeilingToMillisecond(EarliestStart(starts.Without(s => s == own), own.At, perMinute, options));

    /// <summary>Gives back a request granted at <paramref name="slotAt"/> (to <paramref name="holder"/>) and never made.</summary>
    public static BudgetState ReturnSlot(BudgetState current, DateTimeOffset slotAt, string? holder, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(current);
        var state = RollOver(current, now);
        var starts = state.Starts.Without(s => s.At == slotAt && s.Holder == holder && !s.Reserved);
        return state.Day == DayOf(slotAt) && state.DayUsed > 0 ? state with { Starts = starts, DayUsed = state.DayUsed - 1 } : state with { Starts = starts };
    }

    /// <summary>What a platform 429 teaches every instance: a block until its reset, and perhaps a lower limit.</summary>
    public static BudgetState LearnFrom(BudgetState current, ChatRetryLater rateLimited, DateTimeOffset now, BudgetOptions options)
    {
        ArgumentNullException.ThrowIfNull(rateLimited);
        ArgumentNullException.ThrowIfNull(options);
        var state = RollOver(current, now);
        var info = rateLimited.RateLimit;
        switch (rateLimited.Reason)
        {
            case RetryReason.RateLimitedPerDay:
                var dayLimit = info?.Limit is > 0 and var limit && limit < Limits(state, options).PerDay ? limit : state.LearnedRequestsPerDay;
                return state with
                {
                    DayBlockedUntil = Latest(now, state.DayBlockedUntil, info?.ResetsAt ?? NextUtcMidnight(now)),
                    LearnedRequestsPerDay = dayLimit,
                };

            case RetryReason.RateLimitedPerMinute or RetryReason.RateLimited:
                // X-RateLimit-Limit counts per minute; the budget counts per its window, which is a minute but in tests.
                var perWindow = info?.Limit is > 0 and var perMinute ? Math.Max(1, (int)(perMinute * (options.Window / TimeSpan.FromMinutes(1)))) : 0;
                var minuteLimit = perWindow > 0 && perWindow < Limits(state, options).PerMinute ? perWindow : state.LearnedRequestsPerMinute;
                var blockedUntil = info?.ResetsAt ?? (rateLimited.RetryAfter is { } after ? now + after : now + DefaultBlock);
                return state with
                {
                    BlockedUntil = Latest(now, state.BlockedUntil, blockedUntil),
                    LearnedRequestsPerMinute = minuteLimit,
                };

            default:
                // Upstream limits belong to one provider of one model, not to the account: nothing to write.
                return current;
        }
    }

    /// <summary>Pauses every instance until <paramref name="until"/>, keeping a longer pause already in place.</summary>
    /// <param name="state">The budget.</param>
    /// <param name="until">The end of the pause.</param>
    /// <param name="reason">Why, in words.</param>
    /// <param name="key">The fingerprint of the key the account refused, if a key was at fault.</param>
    public static BudgetState Pause(BudgetState state, DateTimeOffset until, string reason, string? key = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.PausedUntil >= until && state.PausedKey == key ? state : state with { PausedUntil = until, PauseReason = reason, PausedKey = key };
    }

    /// <summary>
    /// The budget as a worker using <paramref name="key"/> sees it: a pause for another key (the one that was fixed)
    /// is lifted. A pause that names no key holds everyone.
    /// </summary>
    public static BudgetState ForKey(BudgetState state, string? key)
    {
        ArgumentNullException.ThrowIfNull(state);
        return key is not null && state.PausedKey is { } paused && paused != key
            ? state with { PausedUntil = null, PauseReason = null, PausedKey = null }
            : state;
    }

    /// <summary>A short, one-way fingerprint of an API key: enough to tell keys apart, never enough to recover one.</summary>
    public static string? KeyFingerprint(string? apiKey) => string.IsNullOrEmpty(apiKey) ? null : Fingerprint(apiKey, 12);

    /// <summary>The first <paramref name="length"/> hex digits of the text's SHA-256.</summary>
    private static string Fingerprint(string text, int length) =>
        Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..length];

    /// <summary>The moment rounded up to a whole millisecond, as the start log stores it.</summary>
    private static DateTimeOffset CeilingToMillisecond(DateTimeOffset instant)
    {
        var extra = instant.Ticks % TimeSpan.TicksPerMillisecond;
        return extra == 0 ? instant : instant.AddTicks(TimeSpan.TicksPerMillisecond - extra);
    }

    private static DateTimeOffset Earliest(DateTimeOffset first, DateTimeOffset? other) => other < first ? other.Value : first;

    private static TimeSpan Longest(TimeSpan first, TimeSpan second) => first > second ? first : second;

    /// <summary>The latest of the given moments, ignoring those not set.</summary>
    internal static DateTimeOffset Latest(DateTimeOffset first, params DateTimeOffset?[] others)
    {
        var latest = first;
        foreach (var other in others)
        {
            if (other > latest)
            {
                latest = other.Value;
            }
        }

        return latest;
    }
}
