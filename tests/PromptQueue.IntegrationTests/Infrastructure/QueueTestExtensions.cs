using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;

namespace PromptQueue.IntegrationTests.Infrastructure;

public static class QueueTestExtensions
{
    /// <summary>Receives the one visible message, as the queue trigger would, failing clearly when there is none.</summary>
    public static async Task<QueueMessage> ReceiveOneAsync(this QueueClient queue)
    {
        var messages = (await queue.ReceiveMessagesAsync(maxMessages: 32, visibilityTimeout: TimeSpan.FromMinutes(5))).Value;
        Assert.True(messages.Length == 1, $"expected exactly one visible message on {queue.Name}, found {messages.Length}");
        return messages[0];
    }

    /// <summary>Messages sent with a visibility delay: they exist, but are not yet visible.</summary>
    public static async Task<int> CountAllAsync(this QueueClient queue)
    {
        var properties = await queue.GetPropertiesAsync();
        return properties.Value.ApproximateMessagesCount;
    }
}
