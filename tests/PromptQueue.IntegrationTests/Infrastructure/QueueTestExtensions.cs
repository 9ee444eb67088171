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

    /// <summary>Waits, up to a deadline, until another party (a CLI process, a server) has put a visible message on the queue.</summary>
    public static async Task WaitForMessageAsync(this QueueClient queue, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while ((await queue.PeekMessagesAsync(maxMessages: 1)).Value.Length == 0)
        {
            Assert.False(deadline.IsCancellationRequested, $"no message reached {queue.Name} within {timeout}");
            await Task.Delay(TimeSpan.FromMilliseconds(50), CancellationToken.None);
        }
    }

    /// <summary>Messages sent with a visibility delay: they exist, but are not yet visible.</summary>
    public static async Task<int> CountAllAsync(this QueueClient queue)
    {
        var properties = await queue.GetPropertiesAsync();
        return properties.Value.ApproximateMessagesCount;
    }
}
