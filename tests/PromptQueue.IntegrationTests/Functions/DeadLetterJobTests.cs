using PromptQueue.Contracts;
using PromptQueue.Core.Processing;
using PromptQueue.Core.Submission;
using PromptQueue.Functions;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Functions;

[Collection(AzuriteTests.Name)]
public sealed class DeadLetterJobTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Run_PoisonMessageForQueuedJob_MarksItDeadLetteredWithPayload()
    {
        // Arrange: the host gave up on a job's message and copied its body to the poison queue.
        await using var app = await TestApp.StartAsync(azurite);
        var submission = await app.Get<JobSubmitter>().SubmitAsync("""{"prompt":"crashes the host"}""", JobSources.Http, CancellationToken.None);
        var original = await app.JobQueue().ReceiveOneAsync();
        var poison = app.Get<Azure.Storage.Queues.QueueServiceClient>().GetQueueClient(app.JobQueueName + "-poison");
        await poison.CreateIfNotExistsAsync();
        await poison.SendMessageAsync(original.Body.ToString());
        var message = await poison.ReceiveOneAsync();

        // Act
        var result = await new DeadLetterJob(app.Processor).Run(message, CancellationToken.None);

        // Assert
        Assert.Equal(submission.JobId, result.JobId);
        var job = await app.Get<JobResults>().GetAsync(submission.JobId!, CancellationToken.None);
        Assert.Equal(JobStatus.DeadLettered, job!.Record.Status);
        Assert.Equal(original.Body.ToString(), job.Payload);
        Assert.Equal("dead_lettered", job.Record.ErrorCode);
    }

    [Fact]
    public async Task Run_PoisonMessageForCompletedJob_LeavesTheResultAlone()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        var submission = await app.Get<JobSubmitter>().SubmitAsync("""{"prompt":"done already"}""", JobSources.Http, CancellationToken.None);
        var message = await app.JobQueue().ReceiveOneAsync();
        await new ProcessJob(app.Processor).Run(message, CancellationToken.None);

        // Act
        var result = await new DeadLetterJob(app.Processor).Run(message, CancellationToken.None);

        // Assert
        Assert.Equal(JobOutcome.Duplicate, result.Outcome);
        var record = await app.Store.FindAsync(submission.JobId!, CancellationToken.None);
        Assert.Equal(JobStatus.Completed, record!.Status);
    }

    [Fact]
    public async Task Run_UnreadablePoisonMessage_IsKeptUnderItsMessageId()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        await app.JobQueue().SendMessageAsync("%%% not a job %%%");
        var message = await app.JobQueue().ReceiveOneAsync();

        // Act
        var result = await new DeadLetterJob(app.Processor).Run(message, CancellationToken.None);

        // Assert
        Assert.Equal(JobRecordFactory.MessageJobId(message.MessageId), result.JobId);
        var job = await app.Get<JobResults>().GetAsync(result.JobId, CancellationToken.None);
        Assert.Equal(JobStatus.DeadLettered, job!.Record.Status);
        Assert.Equal("%%% not a job %%%", job.Payload);
    }
}
