using PromptQueue.Contracts;

namespace PromptQueue.Client.Tests;

/// <summary>What the sender refuses before touching the queue; sending itself is tested against Azurite in the integration tests.</summary>
public sealed class PromptQueueQueueSenderTests
{
    // Never contacted: every job here is refused before the send.
    private const string UnreachableStorage = "UseDevelopmentStorage=true";

    [Fact]
    public async Task EnqueueJsonAsync_InvalidJob_ThrowsWithEveryFieldError()
    {
        // Arrange
        var sender = new PromptQueueQueueSender(UnreachableStorage);

        // Act
        var ex = await Assert.ThrowsAsync<InvalidPromptJobException>(() => sender.EnqueueJsonAsync("""{"prompt":"","temprature":1}"""));

        // Assert
        Assert.Contains(ex.Errors, e => e.Path == "$.prompt" && e.Message == "must not be empty");
        Assert.Contains(ex.Errors, e => e.Path == "$.temprature" && e.Message.Contains("did you mean 'temperature'", StringComparison.Ordinal));
        Assert.Contains("$.prompt: must not be empty", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnqueueAsync_JobWithMalformedId_ThrowsNamingTheId()
    {
        // Arrange
        var sender = new PromptQueueQueueSender(UnreachableStorage);

        // Act
        var ex = await Assert.ThrowsAsync<InvalidPromptJobException>(() => sender.EnqueueAsync(new PromptJob { Id = "no spaces/allowed", Prompt = "hi" }));

        // Assert
        Assert.Equal("$.id", Assert.Single(ex.Errors).Path);
    }

    [Theory]
    [InlineData(QueueJobEncoding.Plain, 70_000, "as plain JSON")]
    [InlineData(QueueJobEncoding.Base64, 50_000, "base64-encoded")]
    public async Task EnqueueAsync_JobTooLargeForAQueueMessage_ThrowsPointingToHttp(QueueJobEncoding encoding, int promptChars, string described)
    {
        // Arrange: 50,000 characters fit as plain JSON but not after base64's third more.
        var sender = new PromptQueueQueueSender(UnreachableStorage, new PromptQueueQueueSenderOptions { Encoding = encoding });
        var job = new PromptJob { Id = "big-1", Prompt = new string('x', promptChars) };

        // Act
        var ex = await Assert.ThrowsAsync<InvalidPromptJobException>(() => sender.EnqueueAsync(job));

        // Assert
        var error = Assert.Single(ex.Errors);
        Assert.Contains(described, error.Message, StringComparison.Ordinal);
        Assert.Contains("a queue message holds at most 65,536", error.Message, StringComparison.Ordinal);
        Assert.Contains("over HTTP (PromptQueueClient.SubmitAsync)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_DefaultOptions_WritesToPromptJobs()
    {
        // Act
        var sender = new PromptQueueQueueSender(UnreachableStorage);

        // Assert
        Assert.EndsWith("/devstoreaccount1/prompt-jobs", sender.QueueUri.AbsolutePath, StringComparison.Ordinal);
    }
}
