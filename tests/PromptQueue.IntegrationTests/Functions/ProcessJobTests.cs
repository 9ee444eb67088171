using System.Text.Json;
using Azure.Storage.Queues;
using PromptQueue.Contracts;
using PromptQueue.Core.Processing;
using PromptQueue.Core.Storage;
using PromptQueue.Core.Submission;
using PromptQueue.Functions;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Functions;

[Collection(AzuriteTests.Name)]
public sealed class ProcessJobTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Run_SubmittedJob_CompletesWithAnswerAndReasoning()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        var submission = await app.Get<JobSubmitter>().SubmitAsync("""{"prompt":"Why is the sky blue?","reasoning":{"effort":"high"}}""", JobSources.Http, CancellationToken.None);
        var message = await app.JobQueue().ReceiveOneAsync();

        // Act
        var result = await new ProcessJob(app.Processor).Run(message, CancellationToken.None);

        // Assert
        Assert.Equal(new JobProcessingResult(submission.JobId!, JobOutcome.Completed), result);
        var job = await app.Get<JobResults>().GetAsync(submission.JobId!, CancellationToken.None);
        Assert.NotNull(job);
        Assert.Equal(JobStatus.Completed, job.Record.Status);
        Assert.Equal("openai/gpt-oss-120b:free", job.Record.RequestedModel);
        Assert.False(string.IsNullOrWhiteSpace(job.Answer));
        Assert.False(string.IsNullOrWhiteSpace(job.Reasoning));
        Assert.Contains("reasoning.text", job.ReasoningDetails, StringComparison.Ordinal);
        Assert.True(job.Record.TotalTokens > 0);
        Assert.Equal(1, job.Record.Attempts);
        Assert.Equal("stop", job.Record.FinishReason);
        Assert.Equal(1, app.Simulator.ChatRequestCount);
        using var sent = JsonDocument.Parse(app.Simulator.ReceivedBodies[0]);
        Assert.Equal("high", sent.RootElement.GetProperty("reasoning").GetProperty("effort").GetString());
        Assert.True(sent.RootElement.GetProperty("stream").GetBoolean());
    }

    [Theory]
    [InlineData(QueueMessageEncoding.None)]
    [InlineData(QueueMessageEncoding.Base64)]
    public async Task Run_InlineJobSentByPlainQueueClient_CompletesWhateverTheEncoding(QueueMessageEncoding senderEncoding)
    {
        // Arrange: another service enqueues a whole job with its own QueueClient and its own choice of encoding.
        await using var app = await TestApp.StartAsync(azurite);
        await app.JobQueue(senderEncoding).SendMessageAsync("""{"id":"inline-1","prompt":"Name three primes."}""");
        var message = await app.JobQueue().ReceiveOneAsync();

        // Act
        var result = await new ProcessJob(app.Processor).Run(message, CancellationToken.None);

        // Assert
        Assert.Equal(JobOutcome.Completed, result.Outcome);
        Assert.Equal("inline-1", result.JobId);
        var record = await app.Store.FindAsync("inline-1", CancellationToken.None);
        Assert.Equal(JobStatus.Completed, record!.Status);
        Assert.Equal(JobSources.Queue, record.Source);
    }

    [Fact]
    public async Task Run_InlineJobWithoutId_IsNamedAfterItsMessage()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        var sent = await app.JobQueue().SendMessageAsync("""{"prompt":"Hello"}""");
        var message = await app.JobQueue().ReceiveOneAsync();

        // Act
        var result = await new ProcessJob(app.Processor).Run(message, CancellationToken.None);

        // Assert
        Assert.Equal(JobLifecycle.MessageJobId(sent.Value.MessageId), result.JobId);
        Assert.Equal(JobOutcome.Completed, result.Outcome);
    }

    [Fact]
    public async Task Run_RedeliveredMessage_CallsTheModelOnceAndKeepsOneResult()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        var submission = await app.Get<JobSubmitter>().SubmitAsync("""{"prompt":"Once only"}""", JobSources.Http, CancellationToken.None);
        var message = await app.JobQueue().ReceiveOneAsync();
        var function = new ProcessJob(app.Processor);
        await function.Run(message, CancellationToken.None);
        var first = await app.Store.FindAsync(submission.JobId!, CancellationToken.None);

        // Act: the same message delivered again, as at-least-once delivery allows.
        var again = await function.Run(message, CancellationToken.None);

        // Assert
        Assert.Equal(JobOutcome.Duplicate, again.Outcome);
        Assert.Equal(1, app.Simulator.ChatRequestCount);
        var after = await app.Store.FindAsync(submission.JobId!, CancellationToken.None);
        Assert.Equal(first!.ETag, after!.ETag);
        Assert.Equal(1, after.Attempts);
    }

    [Fact]
    public async Task Run_MessageForJobRunningElsewhere_DefersWithoutCallingTheModel()
    {
        // Arrange: another worker has claimed the job and is still within its claim.
        await using var app = await TestApp.StartAsync(azurite);
        var submission = await app.Get<JobSubmitter>().SubmitAsync("""{"prompt":"Busy"}""", JobSources.Http, CancellationToken.None);
        var message = await app.JobQueue().ReceiveOneAsync();
        var record = await app.Store.FindAsync(submission.JobId!, CancellationToken.None);
        record!.Status = JobStatus.Running;
        record.ClaimedUntil = TimeProvider.System.GetUtcNow().AddMinutes(5);
        Assert.True(await app.Store.TryUpdateAsync(record, CancellationToken.None));

        // Act
        var result = await new ProcessJob(app.Processor).Run(message, CancellationToken.None);

        // Assert: no model call, and a delayed message brings the job back when the claim ends.
        Assert.Equal(JobOutcome.Deferred, result.Outcome);
        Assert.Equal(0, app.Simulator.ChatRequestCount);
        await app.JobQueue().DeleteMessageAsync(message.MessageId, message.PopReceipt);
        Assert.Equal(1, await app.JobQueue().CountAllAsync());
    }

    [Fact]
    public async Task Run_StreamWithInBandError_WaitsForRetryWithTheErrorKept()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        var submission = await app.Get<JobSubmitter>().SubmitAsync("""{"prompt":"Fail midway [[sim:error=midstream]]"}""", JobSources.Http, CancellationToken.None);
        var message = await app.JobQueue().ReceiveOneAsync();

        // Act
        var result = await new ProcessJob(app.Processor).Run(message, CancellationToken.None);

        // Assert
        Assert.Equal(JobOutcome.Deferred, result.Outcome);
        var record = await app.Store.FindAsync(submission.JobId!, CancellationToken.None);
        Assert.Equal(JobStatus.Waiting, record!.Status);
        Assert.Equal(1, record.Attempts);
        Assert.NotNull(record.NextAttemptAt);
        Assert.Contains("Provider disconnected mid-stream", record.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("Provider disconnected mid-stream", record.ErrorRawBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_InBandErrorOnLastAllowedAttempt_FailsWithTheProviderError()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite, s => s["PromptQueue:MaxAttempts"] = "1");
        var submission = await app.Get<JobSubmitter>().SubmitAsync("""{"prompt":"Fail midway [[sim:error=midstream]]"}""", JobSources.Http, CancellationToken.None);
        var message = await app.JobQueue().ReceiveOneAsync();

        // Act
        var result = await new ProcessJob(app.Processor).Run(message, CancellationToken.None);

        // Assert
        Assert.Equal(JobOutcome.Failed, result.Outcome);
        var record = await app.Store.FindAsync(submission.JobId!, CancellationToken.None);
        Assert.Equal(JobStatus.Failed, record!.Status);
        Assert.StartsWith("gave up after 1 failed call(s)", record.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("Provider disconnected mid-stream", record.ErrorRawBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_InBandTokenLimitErrorUnderHttp200_FailsAfterOneCallWithTheProviderError()
    {
        // Arrange: six attempts are allowed, and a retry would meet the same limit each time.
        await using var app = await TestApp.StartAsync(azurite, s => s["PromptQueue:MaxAttempts"] = "6");
        var jobId = await app.SubmitAsync("""{"prompt":"Too long an answer [[sim:error=token-limit]]"}""");

        // Act
        var result = await app.ProcessNextAsync();

        // Assert
        Assert.Equal(new JobProcessingResult(jobId, JobOutcome.Failed), result);
        var record = (await app.Store.FindAsync(jobId, CancellationToken.None))!;
        Assert.Equal((JobStatus.Failed, "400", 1), (record.Status, record.ErrorCode, record.Attempts));
        Assert.Contains("Token limit reached", record.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(1, app.Simulator.ChatRequestCount);
        Assert.Empty((await app.JobQueue().PeekMessagesAsync(32)).Value);
    }

    [Fact]
    public async Task Run_ModelNotFound_FailsPermanentlyWithoutRetry()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        var submission = await app.Get<JobSubmitter>().SubmitAsync("""{"prompt":"Gone [[sim:status=404]]"}""", JobSources.Http, CancellationToken.None);
        var message = await app.JobQueue().ReceiveOneAsync();

        // Act
        var result = await new ProcessJob(app.Processor).Run(message, CancellationToken.None);

        // Assert
        Assert.Equal(JobOutcome.Failed, result.Outcome);
        var record = await app.Store.FindAsync(submission.JobId!, CancellationToken.None);
        Assert.Equal(404, record!.ErrorHttpStatus);
        Assert.Contains("No endpoints found", record.ErrorRawBody, StringComparison.Ordinal);
        await app.JobQueue().DeleteMessageAsync(message.MessageId, message.PopReceipt);
        Assert.Equal(0, await app.JobQueue().CountAllAsync());
    }

    [Fact]
    public async Task Run_UnknownReasoningDetailType_IsKeptVerbatim()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        var submission = await app.Get<JobSubmitter>().SubmitAsync("""{"prompt":"Think oddly [[sim:detail=unknown]]"}""", JobSources.Http, CancellationToken.None);
        var message = await app.JobQueue().ReceiveOneAsync();

        // Act
        await new ProcessJob(app.Processor).Run(message, CancellationToken.None);

        // Assert
        var job = await app.Get<JobResults>().GetAsync(submission.JobId!, CancellationToken.None);
        using var details = JsonDocument.Parse(job!.ReasoningDetails!);
        var unknown = details.RootElement.EnumerateArray().Single(d => d.GetProperty("type").GetString() == "reasoning.future_kind");
        Assert.Equal("kept verbatim", unknown.GetProperty("payload").GetProperty("note").GetString());
        Assert.Contains(details.RootElement.EnumerateArray(), d => d.GetProperty("type").GetString() == "reasoning.text");
    }

    [Fact]
    public async Task Run_TwoMegabyteReasoningTrace_IsStoredWhole()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        var submission = await app.Get<JobSubmitter>().SubmitAsync("""{"prompt":"Think long [[sim:reasoning-chars=2000000]]"}""", JobSources.Http, CancellationToken.None);
        var message = await app.JobQueue().ReceiveOneAsync();

        // Act
        var result = await new ProcessJob(app.Processor).Run(message, CancellationToken.None);

        // Assert
        Assert.Equal(JobOutcome.Completed, result.Outcome);
        var job = await app.Get<JobResults>().GetAsync(submission.JobId!, CancellationToken.None);
        Assert.Equal(2_000_000, job!.Reasoning!.Length);
        Assert.Equal((2_000_000 + JobTextRows.ChunkChars - 1) / JobTextRows.ChunkChars, job.Record.ReasoningChunks);
        using var details = JsonDocument.Parse(job.ReasoningDetails!);
        var detailText = string.Concat(details.RootElement.EnumerateArray().Select(d => d.GetProperty("text").GetString()));
        Assert.Equal(job.Reasoning, detailText);
    }
}
