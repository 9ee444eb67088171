namespace PromptQueue.Core.OpenRouter;

/// <summary>How one chat completion call ended.</summary>
public abstract record ChatOutcome;

/// <summary>The model answered.</summary>
public sealed record ChatSucceeded(ChatCompletion Completion) : ChatOutcome;

/// <summary>The request itself is at fault; sending it again cannot help.</summary>
public sealed record ChatFailed(ProviderError Error) : ChatOutcome;

/// <summary>A transient failure; the same request may succeed later.</summary>
/// <param name="Reason">What kind of transient failure this was.</param>
/// <param name="Error">The details of the failure.</param>
/// <param name="RetryAfter">How long the provider asked us to wait, when it said.</param>
/// <param name="RateLimit">The rate-limit window the provider reported, when it did.</param>
public sealed record ChatRetryLater(RetryReason Reason, ProviderError Error, TimeSpan? RetryAfter, RateLimitInfo? RateLimit) : ChatOutcome;

/// <summary>The account itself is rejected (bad key, no credits): pause the worker instead of failing jobs.</summary>
public sealed record ChatSystemicFailure(ProviderError Error) : ChatOutcome;

/// <summary>What went wrong, as reported by OpenRouter or observed by the client. Never contains the API key.</summary>
/// <param name="HttpStatus">The HTTP status of the response; null when no response arrived.</param>
/// <param name="Code">A machine-readable code: the error type or availability code when given, else the error code or a client code such as idle_timeout.</param>
/// <param name="Message">A human-readable description.</param>
/// <param name="ErrorType">OpenRouter's typed error code (error_type), when given.</param>
/// <param name="ProviderName">The upstream provider the error came from, when known.</param>
/// <param name="RawBody">The raw error body or error chunk, at most 32,000 characters.</param>
public sealed record ProviderError(int? HttpStatus, string Code, string Message, string? ErrorType, string? ProviderName, string? RawBody);

/// <summary>Why a call should be tried again later.</summary>
public enum RetryReason
{
    RateLimitedPerMinute,
    RateLimitedPerDay,
    RateLimited,
    UpstreamRateLimited,
    ServerError,
    Timeout,
    NetworkError,
    MidStreamError,
    EmptyResponse,
    MalformedResponse,
    CapacityExhausted,
}

/// <summary>A rate-limit window as reported by the X-RateLimit-* values.</summary>
public sealed record RateLimitInfo(int? Limit, int? Remaining, DateTimeOffset? ResetsAt);
