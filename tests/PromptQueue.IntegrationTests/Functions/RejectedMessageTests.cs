using System.Text;
using PromptQueue.Contracts;
using PromptQueue.Core.Processing;
using PromptQueue.Core.Submission;
using PromptQueue.Functions;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Functions;

/// <summary>Bad input ends as a Rejected record with a clear error and the payload kept, never as an endless retry.</summary>
[Collection(AzuriteTests.Name)]
public sealed class RejectedMessageTests(AzuriteFixture azurite)
{
    public static TheoryData<string, string> BadMessages => new()
    {
        { """{"prompt": "unterminated""", "not valid JSON" },
        { """{"prompt": 42, "temperature": 9}""", "$.prompt: must be a string, not a number" },
        { """{"messages":[{"role":"robot","content":"hi"}]}""", "$.messages[0].role: must be one of system, user, assistant, tool" },
        { """{"prompt":"hi","stop":["a","b","c","d","e"]}""", "$.stop: holds 5 sequences; at most 4 are allowed" },
        { "just some text", "neither a JSON object nor base64-encoded JSON" },
        { """{"jobId":"no-such-job","v":1}""", "refers to job 'no-such-job', which does not exist" },
    };

    [Theory]
    [MemberData(nameof(BadMessages))]
    public async Task Run_BadMessage_IsRejectedWithClearErrorAndPayloadKept(string body, string expectedError)
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        await app.JobQueue().SendMessageAsync(body);
        var message = await app.JobQueue().ReceiveOneAsync();

        // Act: the function returns normally, so the host deletes the message instead of retrying it.
        var result = await new ProcessJob(app.Processor).Run(message, CancellationToken.None);

        // Assert
        Assert.Equal(JobOutcome.Rejected, result.Outcome);
        var job = await app.Get<JobResults>().GetAsync(result.JobId, CancellationToken.None);
        Assert.Equal(JobStatus.Rejected, job!.Record.Status);
        Assert.Contains(expectedError, job.Record.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(body, job.Payload);
        Assert.Equal(0, app.Simulator.ChatRequestCount);
    }

    [Fact]
    public async Task Run_OversizeMessage_IsRejectedWithTheLimitNamed()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite, s => s["PromptQueue:Limits:MaxPayloadBytes"] = "2048");
        var body = $$"""{"prompt":"{{new string('x', 3000)}}"}""";
        await app.JobQueue().SendMessageAsync(body);
        var message = await app.JobQueue().ReceiveOneAsync();

        // Act
        var result = await new ProcessJob(app.Processor).Run(message, CancellationToken.None);

        // Assert
        Assert.Equal(JobOutcome.Rejected, result.Outcome);
        var job = await app.Get<JobResults>().GetAsync(result.JobId, CancellationToken.None);
        Assert.Contains($"the job is {Encoding.UTF8.GetByteCount(body)} bytes; the limit is 2048 bytes", job!.Record.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(body, job.Payload);
    }

    [Fact]
    public async Task Run_SameBadMessageDeliveredTwice_KeepsOneRejectedRecord()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        await app.JobQueue().SendMessageAsync("""{"id":"bad-1","prompt":""}""");
        var message = await app.JobQueue().ReceiveOneAsync();
        var function = new ProcessJob(app.Processor);
        var first = await function.Run(message, CancellationToken.None);

        // Act
        var second = await function.Run(message, CancellationToken.None);

        // Assert
        Assert.Equal(new JobProcessingResult("bad-1", JobOutcome.Rejected), first);
        Assert.Equal(new JobProcessingResult("bad-1", JobOutcome.Duplicate), second);
        var rows = app.JobTable.QueryAsync<Azure.Data.Tables.TableEntity>(e => e.RowKey == "job");
        var count = 0;
        await foreach (var _ in rows)
        {
            count++;
        }

        Assert.Equal(1, count);
    }

    [Fact]
    public async Task Run_InlineJobReusingAnotherJobsId_IsRejectedAndTheOriginalUntouched()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        await app.Get<JobSubmitter>().SubmitAsync("""{"id":"taken","prompt":"first"}""", JobSources.Http, CancellationToken.None);
        _ = await app.JobQueue().ReceiveOneAsync();
        await app.JobQueue().SendMessageAsync("""{"id":"taken","prompt":"second"}""");
        var message = await app.JobQueue().ReceiveOneAsync();

        // Act
        var result = await new ProcessJob(app.Processor).Run(message, CancellationToken.None);

        // Assert
        Assert.Equal(JobOutcome.Rejected, result.Outcome);
        Assert.NotEqual("taken", result.JobId);
        var rejected = await app.Store.FindAsync(result.JobId, CancellationToken.None);
        Assert.Contains("job id 'taken' is already used by a different job", rejected!.ErrorMessage, StringComparison.Ordinal);
        var original = await app.Store.FindAsync("taken", CancellationToken.None);
        Assert.Equal(JobStatus.Queued, original!.Status);
    }
}
