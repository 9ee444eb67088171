using Azure.Storage.Queues;
using PromptQueue.Contracts;
using PromptQueue.Core.Processing;
using PromptQueue.Core.Telemetry;
using PromptQueue.Functions;
using PromptQueue.IntegrationTests.Infrastructure;
using static PromptQueue.IntegrationTests.Telemetry.ModelCallTelemetryTests;

namespace PromptQueue.IntegrationTests.Telemetry;

/// <summary>
/// The job lifecycle metrics of one job, read with OpenTelemetry's in-memory exporter. Each value must agree with the
/// stored record: the counts with its status, the times with its timestamps, the tokens and cost with its usage.
/// </summary>
[Collection(AzuriteTests.Name)]
public sealed class JobLifecycleMetricsTests(AzuriteFixture azurite)
{
    // Table storage keeps times to the tick, but a round trip through Azurite may cut them to the millisecond.
    private const double TimeTolerance = 0.002;

    [Fact]
    public async Task Run_CompletedJob_RecordsCountTimesTokensAndCostOfTheRecord()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        using var telemetry = new TelemetryCapture();
        var jobId = await SubmitAsync(app, """{"prompt":"Name three primes."}""");

        // Act
        var result = await RunOneAsync(app);

        // Assert
        Assert.Equal(JobOutcome.Completed, result.Outcome);
        var record = (await app.Store.FindAsync(jobId, CancellationToken.None))!;
        var completed = Assert.Single(telemetry.Metric(PromptQueueTelemetry.Instruments.JobsCompleted));
        Assert.Equal(1, completed.Sum);
        Assert.Equal(record.UsedModel, completed["gen_ai.response.model"]);

        var queued = Assert.Single(telemetry.Metric(PromptQueueTelemetry.Instruments.JobQueueDuration));
        Assert.Equal(1, queued.Count);
        Assert.Equal((record.StartedAt!.Value - record.QueuedAt!.Value).TotalSeconds, queued.Sum, TimeTolerance);
        var endToEnd = Assert.Single(telemetry.Metric(PromptQueueTelemetry.Instruments.JobDuration));
        Assert.Equal(1, endToEnd.Count);
        Assert.Equal((record.CompletedAt!.Value - record.QueuedAt.Value).TotalSeconds, endToEnd.Sum, TimeTolerance);
        Assert.Equal("completed", endToEnd[JobTelemetry.OutcomeTag]);

        var tokens = telemetry.Metric(PromptQueueTelemetry.Instruments.JobTokens);
        Assert.Equal((double)record.PromptTokens!, Assert.Single(tokens, p => Equals(p["gen_ai.token.type"], "input")).Sum);
        Assert.Equal((double)record.CompletionTokens!, Assert.Single(tokens, p => Equals(p["gen_ai.token.type"], "output")).Sum);
        var cost = Assert.Single(telemetry.Metric(PromptQueueTelemetry.Instruments.JobCost));
        Assert.Equal(1, cost.Count);
        Assert.Equal(record.Cost!.Value, cost.Sum);

        Assert.Empty(telemetry.Metric(PromptQueueTelemetry.Instruments.JobsFailed));
        Assert.Empty(telemetry.Metric(PromptQueueTelemetry.Instruments.JobsDeferred));
    }

    [Fact]
    public async Task Run_ModelNotFound_CountsOneFailedJobWithItsErrorCode()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        using var telemetry = new TelemetryCapture();
        var jobId = await SubmitAsync(app, """{"prompt":"Gone [[sim:status=404]]"}""");

        // Act
        await RunOneAsync(app);

        // Assert
        var record = (await app.Store.FindAsync(jobId, CancellationToken.None))!;
        Assert.Equal(JobStatus.Failed, record.Status);
        var failed = Assert.Single(telemetry.Metric(PromptQueueTelemetry.Instruments.JobsFailed));
        Assert.Equal(1, failed.Sum);
        Assert.Equal(record.ErrorCode, failed["error.type"]);
        var endToEnd = Assert.Single(telemetry.Metric(PromptQueueTelemetry.Instruments.JobDuration));
        Assert.Equal("failed", endToEnd[JobTelemetry.OutcomeTag]);
        Assert.Empty(telemetry.Metric(PromptQueueTelemetry.Instruments.JobsCompleted));
    }

    [Fact]
    public async Task Run_FreeTierRateLimit_CountsOneDeferralWithTheRecordsWaitReason()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        using var telemetry = new TelemetryCapture();
        var jobId = await SubmitAsync(app, """{"prompt":"Too fast [[sim:status=429]]"}""");

        // Act
        await RunOneAsync(app);

        // Assert
        var record = (await app.Store.FindAsync(jobId, CancellationToken.None))!;
        Assert.Equal(JobStatus.Waiting, record.Status);
        var deferred = Assert.Single(telemetry.Metric(PromptQueueTelemetry.Instruments.JobsDeferred));
        Assert.Equal(1, deferred.Sum);
        Assert.Equal(record.WaitReason?.ToString(), deferred[JobTelemetry.ReasonTag]);
        Assert.Empty(telemetry.Metric(PromptQueueTelemetry.Instruments.JobDuration));
    }

    [Fact]
    public async Task Run_MessageForJobRunningElsewhere_CountsADeferralHeldByTheClaim()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        using var telemetry = new TelemetryCapture();
        var jobId = await SubmitAsync(app, """{"prompt":"Busy"}""");
        var record = (await app.Store.FindAsync(jobId, CancellationToken.None))!;
        record.Status = JobStatus.Running;
        record.ClaimedUntil = TimeProvider.System.GetUtcNow().AddMinutes(5);
        Assert.True(await app.Store.TryUpdateAsync(record, CancellationToken.None));

        // Act
        var result = await RunOneAsync(app);

        // Assert
        Assert.Equal(JobOutcome.Deferred, result.Outcome);
        var deferred = Assert.Single(telemetry.Metric(PromptQueueTelemetry.Instruments.JobsDeferred));
        Assert.Equal(JobTelemetry.HeldByClaim, deferred[JobTelemetry.ReasonTag]);
        Assert.Equal(1, deferred.Sum);
    }

    [Fact]
    public async Task Run_InvalidMessage_CountsOneRejectedJob()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        using var telemetry = new TelemetryCapture();
        await app.JobQueue().SendMessageAsync("""{"prompt": 42}""");

        // Act
        var result = await RunOneAsync(app);

        // Assert
        Assert.Equal(JobOutcome.Rejected, result.Outcome);
        Assert.Equal(1, Assert.Single(telemetry.Metric(PromptQueueTelemetry.Instruments.JobsRejected)).Sum);
    }

    [Fact]
    public async Task DeadLetter_PoisonMessage_CountsOneDeadLetteredJob()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        using var telemetry = new TelemetryCapture();
        await SubmitAsync(app, """{"prompt":"crashes the host"}""");
        var original = await app.JobQueue().ReceiveOneAsync();
        var poison = app.Get<QueueServiceClient>().GetQueueClient(app.JobQueueName + "-poison");
        await poison.CreateIfNotExistsAsync();
        await poison.SendMessageAsync(original.Body.ToString());
        var message = await poison.ReceiveOneAsync();

        // Act
        await new DeadLetterJob(app.Processor).Run(message, CancellationToken.None);

        // Assert
        Assert.Equal(1, Assert.Single(telemetry.Metric(PromptQueueTelemetry.Instruments.JobsDeadLettered)).Sum);
    }
}
