using System.Globalization;
using PromptQueue.Contracts;
using PromptQueue.Core.Processing;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Faults;

/// <summary>
/// Each way the API can break, through the real processor and queue trigger: a retry later (Waiting, the attempt
/// counted, a message to bring it back) while attempts remain, Failed once they are spent, and never an exception.
/// </summary>
[Collection(AzuriteTests.Name)]
public sealed class BrokenApiTests(AzuriteFixture azurite)
{
    public static TheoryData<string, WaitReason, string> Faults => new()
    {
        // directive, wait reason, error code on the record
        { "hang", WaitReason.Timeout, "idle_timeout" },
        { "reset", WaitReason.NetworkError, "network_error" },
        { "malformed", WaitReason.MalformedResponse, "malformed_json" },
        { "status=502-html", WaitReason.ServerError, "http_502" },
        { "status=524-html", WaitReason.Timeout, "http_524" },
        { "no-done", WaitReason.MalformedResponse, "stream_incomplete" },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task Run_BrokenResponseWithAttemptsLeft_WaitsWithTheAttemptCounted(string directive, WaitReason reason, string errorCode)
    {
        // Arrange
        await using var app = await StartAsync(maxAttempts: 2);
        var jobId = await app.SubmitAsync($$"""{"prompt":"broken [[sim:{{directive}}]]"}""");

        // Act
        var result = await app.ProcessNextAsync();

        // Assert
        Assert.Equal(JobOutcome.Deferred, result.Outcome);
        var record = await app.Store.FindAsync(jobId, CancellationToken.None);
        Assert.Equal((JobStatus.Waiting, reason, errorCode, 1), (record!.Status, record.WaitReason, record.ErrorCode, record.Attempts));
        Assert.Null(record.ClaimedUntil);
        Assert.NotNull(record.NextAttemptAt);
        Assert.Equal(1, app.Simulator.ChatRequestCount);
        Assert.Equal(1, await app.JobQueue().CountAllAsync());
    }

    public static TheoryData<string, string> FinalFaults => new()
    {
        { "hang", "idle_timeout" },
        { "reset", "network_error" },
        { "malformed", "malformed_json" },
        { "status=502-html", "http_502" },
        { "status=524-html", "http_524" },
        { "no-done", "stream_incomplete" },
    };

    [Theory]
    [MemberData(nameof(FinalFaults))]
    public async Task Run_BrokenResponseOnTheLastAttempt_FailsWithTheErrorKept(string directive, string errorCode)
    {
        // Arrange
        await using var app = await StartAsync(maxAttempts: 1);
        var jobId = await app.SubmitAsync($$"""{"prompt":"broken [[sim:{{directive}}]]"}""");

        // Act
        var result = await app.ProcessNextAsync();

        // Assert
        Assert.Equal(JobOutcome.Failed, result.Outcome);
        var record = await app.Store.FindAsync(jobId, CancellationToken.None);
        Assert.Equal((JobStatus.Failed, errorCode, 1), (record!.Status, record.ErrorCode, record.Attempts));
        Assert.Contains("gave up after 1 failed call(s)", record.ErrorMessage, StringComparison.Ordinal);
        Assert.Null(record.ClaimedUntil);
        Assert.Equal(1, app.Simulator.ChatRequestCount);
        Assert.Equal(0, await app.JobQueue().CountAllAsync());
    }

    [Fact]
    public async Task Run_HangOnEveryAttempt_RetriesAfterTheIdleTimeoutThenFails()
    {
        // Arrange
        await using var app = await StartAsync(maxAttempts: 2);
        var jobId = await app.SubmitAsync("""{"prompt":"never answers [[sim:hang]]"}""");

        // Act: the first delivery times out and waits; the retry message comes back after the backoff and times out too.
        var first = await app.ProcessNextAsync();
        var retry = await WaitForVisibleMessageAsync(app);
        var second = await new PromptQueue.Functions.ProcessJob(app.Processor).Run(retry, CancellationToken.None);
        await app.JobQueue().DeleteMessageAsync(retry.MessageId, retry.PopReceipt);

        // Assert
        Assert.Equal((JobOutcome.Deferred, JobOutcome.Failed), (first.Outcome, second.Outcome));
        var record = await app.Store.FindAsync(jobId, CancellationToken.None);
        Assert.Equal((JobStatus.Failed, "idle_timeout", 2), (record!.Status, record.ErrorCode, record.Attempts));
        Assert.Equal(2, app.Simulator.ChatRequestCount);
        Assert.Equal(0, await app.JobQueue().CountAllAsync());
    }

    private static async Task<Azure.Storage.Queues.Models.QueueMessage> WaitForVisibleMessageAsync(TestApp app)
    {
        var deadline = TimeProvider.System.GetUtcNow() + TimeSpan.FromSeconds(15);
        while (TimeProvider.System.GetUtcNow() < deadline)
        {
            var messages = (await app.JobQueue().ReceiveMessagesAsync(maxMessages: 1, visibilityTimeout: TimeSpan.FromMinutes(1))).Value;
            if (messages.Length == 1)
            {
                return messages[0];
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        Assert.Fail("the retry message never became visible");
        throw new InvalidOperationException("unreachable");
    }

    private Task<TestApp> StartAsync(int maxAttempts) => TestApp.StartAsync(azurite, settings =>
    {
        settings["PromptQueue:MaxAttempts"] = maxAttempts.ToString(CultureInfo.InvariantCulture);
        settings["PromptQueue:ClaimDuration"] = "00:00:10";
        settings["OpenRouter:RequestTimeout"] = "00:00:05";
        settings["OpenRouter:IdleTimeout"] = "00:00:01";
    });
}
