using OpenTelemetry.Trace;
using PromptQueue.Client;
using PromptQueue.Contracts;
using PromptQueue.Core.Processing;
using PromptQueue.Core.Submission;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Client;

[Collection(AzuriteTests.Name)]
public sealed class QueueSenderTests(AzuriteFixture azurite)
{
    [Theory]
    [InlineData(QueueJobEncoding.Plain)]
    [InlineData(QueueJobEncoding.Base64)]
    public async Task EnqueueAsync_JobWithoutId_WorkerCompletesItUnderTheSendersId(QueueJobEncoding encoding)
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        var sender = new PromptQueueQueueSender(app.ConnectionString, new PromptQueueQueueSenderOptions { QueueName = app.JobQueueName, Encoding = encoding });

        // Act
        var jobId = await sender.EnqueueAsync(new PromptJob { Prompt = "Name three primes.", Reasoning = new ReasoningSettings { Effort = "low" } });
        var result = await app.ProcessNextAsync();

        // Assert
        Assert.StartsWith("job-", jobId, StringComparison.Ordinal);
        Assert.Equal(new JobProcessingResult(jobId, JobOutcome.Completed), result);
        var job = await app.Get<JobResults>().GetAsync(jobId, CancellationToken.None);
        Assert.Equal(JobStatus.Completed, job!.Record.Status);
        Assert.Equal(JobSources.Queue, job.Record.Source);
        Assert.False(string.IsNullOrWhiteSpace(job.Answer));
    }

    [Fact]
    public async Task EnqueueAsync_UnderTheSendersSpan_TheJobsProcessingContinuesThatTraceAndTheJobStaysAsWritten()
    {
        // Arrange
        var spans = new List<System.Diagnostics.Activity>();
        using var sendersSource = new System.Diagnostics.ActivitySource("QueueSenderTests.Sender");
        using var tracing = OpenTelemetry.Sdk.CreateTracerProviderBuilder()
            .AddSource(sendersSource.Name, PromptQueue.Core.Telemetry.PromptQueueTelemetry.Name)
            .AddInMemoryExporter(spans)
            .Build()!;
        await using var app = await TestApp.StartAsync(azurite);
        var sender = new PromptQueueQueueSender(app.ConnectionString, new PromptQueueQueueSenderOptions { QueueName = app.JobQueueName });

        // Act
        string jobId;
        System.Diagnostics.ActivitySpanId sendSpan;
        using (var send = sendersSource.StartActivity("billing enqueues a summary"))
        {
            sendSpan = send!.SpanId;
            jobId = await sender.EnqueueAsync(new PromptJob { Id = "traced-inline", Prompt = "Summarise invoice 4711." });
        }

        var result = await app.ProcessNextAsync();
        tracing.ForceFlush();

        // Assert
        Assert.Equal(new JobProcessingResult(jobId, JobOutcome.Completed), result);
        var process = Assert.Single(spans, s => s.DisplayName == PromptQueue.Core.Telemetry.JobTracing.ProcessSpan);
        Assert.Equal(sendSpan, process.ParentSpanId);
        var request = (await app.Get<JobResults>().GetAsync(jobId, CancellationToken.None))!.Record;
        Assert.Equal(JobStatus.Completed, request.Status);
        var stored = await app.Store.ReadTextAsync(request, PromptQueue.Core.Storage.JobText.Request, CancellationToken.None);
        Assert.DoesNotContain("traceparent", stored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnqueueJsonAsync_JobWithItsOwnId_KeepsTheIdAndTheJobAsWritten()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        var sender = new PromptQueueQueueSender(app.ConnectionString, new PromptQueueQueueSenderOptions { QueueName = app.JobQueueName, Encoding = QueueJobEncoding.Base64 });

        // Act
        var jobId = await sender.EnqueueJsonAsync("""{"id":"order-42:summary","prompt":"Summarise order 42.","metadata":{"order":"42"}}""");
        var result = await app.ProcessNextAsync();

        // Assert
        Assert.Equal("order-42:summary", jobId);
        Assert.Equal(new JobProcessingResult("order-42:summary", JobOutcome.Completed), result);
        var record = await app.Store.FindAsync("order-42:summary", CancellationToken.None);
        Assert.Equal(JobStatus.Completed, record!.Status);
    }

    [Fact]
    public async Task EnqueueAsync_Message_NeverExpiresFromTheQueue()
    {
        // Arrange: a paused worker must not lose a job that waits longer than the queue's default week.
        await using var app = await TestApp.StartAsync(azurite);
        var sender = new PromptQueueQueueSender(app.ConnectionString, new PromptQueueQueueSenderOptions { QueueName = app.JobQueueName });

        // Act
        await sender.EnqueueAsync(new PromptJob { Prompt = "Keep me" });
        var message = await app.JobQueue().ReceiveOneAsync();

        // Assert
        Assert.Equal(9999, message.ExpiresOn?.Year);
    }
}
