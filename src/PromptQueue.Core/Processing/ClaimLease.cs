using Microsoft.Extensions.Logging;
using PromptQueue.Core.Storage;

namespace PromptQueue.Core.Processing;

/// <summary>
/// The watch of one claim on a job: a message on the job queue that becomes visible shortly after the claim would
/// lapse. The worker holding the claim pushes it out each time it renews the claim and deletes it when the claim
/// ends; if the worker vanishes (kill -9, a host that stops without cancelling its invocations), the watch arrives
/// and another worker takes the job over within about one claim, whichever host held the job's own message.
/// </summary>
internal sealed partial class ClaimLease(JobQueueClient queue, string jobId, string claim, TimeProvider time, ILogger logger)
{
    /// <summary>How long after the claim lapses its watch appears: clocks differ a little between machines.</summary>
    public static readonly TimeSpan Margin = TimeSpan.FromSeconds(5);

    private QueueWatch? _watch;

    public string Claim => claim;

    /// <summary>Sends the watch, before the claim is written, so that no claim is ever stored without one.</summary>
    public async Task OpenAsync(DateTimeOffset claimedUntil, CancellationToken cancellationToken) =>
        _watch = await queue.SendWatchAsync(jobId, claim, DelayUntil(claimedUntil), cancellationToken);

    /// <summary>Moves the watch to the renewed claim's end; sends a new one if the old one was received early.</summary>
    public async Task RenewAsync(DateTimeOffset claimedUntil, CancellationToken cancellationToken)
    {
        var pushed = _watch is null ? null : await queue.PushWatchAsync(_watch, DelayUntil(claimedUntil), cancellationToken);
        _watch = pushed ?? await queue.SendWatchAsync(jobId, claim, DelayUntil(claimedUntil), cancellationToken);
    }

    /// <summary>The claim has ended: the watch is deleted. A watch left behind only arrives and finds the claim over.</summary>
    public async Task EndAsync()
    {
        if (_watch is not { } watch)
        {
            return;
        }

        _watch = null;
        try
        {
            await queue.DeleteWatchAsync(watch, CancellationToken.None);
        }
        catch (Exception ex) when (StorageFaults.IsTransient(ex))
        {
            LogDeleteFailed(ex, jobId);
        }
    }

    private TimeSpan DelayUntil(DateTimeOffset claimedUntil) => claimedUntil - time.GetUtcNow() + Margin;

    [LoggerMessage(LogLevel.Information, "Job {JobId}: the watch of a claim that ended could not be deleted; it arrives later and changes nothing")]
    private partial void LogDeleteFailed(Exception exception, string jobId);
}
