using Azure;

namespace PromptQueue.Core.Storage;

/// <summary>Tells a storage failure that may pass (the service is briefly unreachable or busy) from one that will not.</summary>
public static class StorageFaults
{
    /// <summary>
    /// True for a network failure, a timeout, a throttle or a server error, including the aggregate the Azure SDK
    /// throws once its own retries are spent; false for what the same request would meet again (404, 409, 412, ...).
    /// </summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        RequestFailedException { Status: 0 or 408 or 429 or >= 500 } => true,
        RequestFailedException => false,
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsTransient),
        HttpRequestException or IOException or TimeoutException => true,
        _ => false,
    };
}
