using PromptQueue.Contracts;
using PromptQueue.Core.Budget;
using PromptQueue.Core.OpenRouter;

namespace PromptQueue.Core.Processing;

/// <summary>
/// The <see cref="WaitReason"/> a job waits with when a call is to be retried or the budget defers it. Each value keeps
/// the name it was stored under before the set was closed, so stored rows, metrics and logs read the same.
/// </summary>
public static class WaitReasonMapping
{
    public static WaitReason ToWaitReason(this RetryReason reason) => reason switch
    {
        RetryReason.RateLimitedPerMinute => WaitReason.RateLimitedPerMinute,
        RetryReason.RateLimitedPerDay => WaitReason.RateLimitedPerDay,
        RetryReason.RateLimited => WaitReason.RateLimited,
        RetryReason.UpstreamRateLimited => WaitReason.UpstreamRateLimited,
        RetryReason.ServerError => WaitReason.ServerError,
        RetryReason.Timeout => WaitReason.Timeout,
        RetryReason.NetworkError => WaitReason.NetworkError,
        RetryReason.MidStreamError => WaitReason.MidStreamError,
        RetryReason.EmptyResponse => WaitReason.EmptyResponse,
        RetryReason.MalformedResponse => WaitReason.MalformedResponse,
        RetryReason.CapacityExhausted => WaitReason.CapacityExhausted,
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "no wait reason for this retry reason"),
    };

    public static WaitReason ToWaitReason(this BudgetWait wait) => wait switch
    {
        BudgetWait.Spacing => WaitReason.Spacing,
        BudgetWait.BlockedUntilReset => WaitReason.BlockedUntilReset,
        BudgetWait.DailyLimit => WaitReason.DailyLimit,
        BudgetWait.Paused => WaitReason.Paused,
        _ => throw new ArgumentOutOfRangeException(nameof(wait), wait, "no wait reason for this budget wait"),
    };
}
