using Microsoft.Extensions.DependencyInjection;
using PromptQueue.Contracts;
using PromptQueue.Core.OpenRouter;
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
    public async Task Run_PoisonCopyOfAnInlineJobWithoutId_DeadLettersTheJobItMadeAndNoOther()
    {
        // Arrange: another service enqueued a whole job without an id; the worker took it and crashed mid-call five
        // times, and the host copied the body to the poison queue, where the copy has a message id of its own.
        await using var app = await TestApp.StartAsync(azurite, configureServices: services => services.AddSingleton<IChatCompletionClient>(new CrashingChatClient()));
        const string body = """{"prompt":"summarise the night's orders"}""";
        await app.JobQueue().SendMessageAsync(body);
        var original = await app.JobQueue().ReceiveOneAsync();
        await Assert.ThrowsAsync<InvalidOperationException>(() => new ProcessJob(app.Processor).Run(original, CancellationToken.None));
        var poison = app.Get<Azure.Storage.Queues.QueueServiceClient>().GetQueueClient(app.JobQueueName + "-poison");
        await poison.CreateIfNotExistsAsync();
        await poison.SendMessageAsync(original.Body.ToString());
        var copy = await poison.ReceiveOneAsync();
        Assert.NotEqual(original.MessageId, copy.MessageId);

        // Act
        var result = await new DeadLetterJob(app.Processor).Run(copy, CancellationToken.None);

        // Assert
        var jobId = JobLifecycle.MessageJobId(original.MessageId);
        Assert.Equal(new JobProcessingResult(jobId, JobOutcome.Failed), result);
        Assert.Equal(JobStatus.DeadLettered, (await app.Store.FindAsync(jobId, CancellationToken.None))!.Status);
        var jobRows = app.JobTable.QueryAsync<Azure.Data.Tables.TableEntity>(e => e.RowKey == "job", select: ["PartitionKey"]);
        Assert.Equal([jobId], await jobRows.Select(row => row.PartitionKey).ToListAsync());
    }

    [Fact]
    public async Task Run_PoisonCopyOfAnInlineJobThatNeverMadeAJob_IsKeptUnderTheCopysId()
    {
        // Arrange: an identical job was sent before and finished; this message never got as far as a job.
        await using var app = await TestApp.StartAsync(azurite);
        const string body = """{"prompt":"the same words again"}""";
        await app.JobQueue().SendMessageAsync(body);
        Assert.Equal(JobOutcome.Completed, (await app.ProcessNextAsync()).Outcome);
        var poison = app.Get<Azure.Storage.Queues.QueueServiceClient>().GetQueueClient(app.JobQueueName + "-poison");
        await poison.CreateIfNotExistsAsync();
        await poison.SendMessageAsync(body);
        var copy = await poison.ReceiveOneAsync();

        // Act
        var result = await new DeadLetterJob(app.Processor).Run(copy, CancellationToken.None);

        // Assert
        Assert.Equal(new JobProcessingResult(JobLifecycle.MessageJobId(copy.MessageId), JobOutcome.Failed), result);
    }

    private sealed class CrashingChatClient : IChatCompletionClient
    {
        public Task<ChatOutcome> CompleteAsync(ChatRequest request, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("the worker crashed mid-call");
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
        Assert.Equal(JobLifecycle.MessageJobId(message.MessageId), result.JobId);
        var job = await app.Get<JobResults>().GetAsync(result.JobId, CancellationToken.None);
        Assert.Equal(JobStatus.DeadLettered, job!.Record.Status);
        Assert.Equal("%%% not a job %%%", job.Payload);
    }
}
