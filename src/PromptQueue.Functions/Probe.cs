using Microsoft.Azure.Functions.Worker;

namespace PromptQueue.Functions;

public sealed class Probe
{
    [Function(nameof(Probe))]
    public static void Run([QueueTrigger("prompt-jobs", Connection = "AzureWebJobsStorage")] string message) => _ = message;
}
