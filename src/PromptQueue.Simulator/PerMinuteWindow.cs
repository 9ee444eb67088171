namespace PromptQueue.Simulator;

/// <summary>How the account's per-minute limit is counted.</summary>
public enum PerMinuteWindow
{
    /// <summary>Windows aligned to the whole minute, as OpenRouter's per-minute reset times (the next whole minute) suggest.</summary>
    Fixed,

    /// <summary>Any 60 s: a call is admitted only when fewer than the limit were admitted in the last simulated minute.</summary>
    /// <remarks>The stricter reading of the rule; a client that keeps it is safe under either kind.</remarks>
    Sliding,
}
