using System.Net;
using System.Text;
using System.Text.Json;
using PromptQueue.Client;
using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;
using PromptQueue.Core.Processing;
using PromptQueue.IntegrationTests.Http;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Client;

/// <summary>
/// The batch routes through the real pipeline (Kestrel, the key check, the adapter, Core, Azurite), driven by the
/// client library, with the dispatcher and the worker run by the test.
/// </summary>
[Collection(AzuriteTests.Name)]
public sealed class BatchesAgainstServerTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Batch_SubmitDispatchProcessExport_ResultsComeBackInInputOrderWithCustomIds()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        await using var api = await ApiHost.StartAsync(app);
        using var http = new HttpClient();
        var client = Client(api, http);
        BatchItem[] items = [new(new PromptJob { Prompt = "First?" }, "row-1"), new(new PromptJob { Prompt = "Second?" }, "row-2"), new(new PromptJob { Prompt = "Third?" }, "row-3")];

        // Act
        var accepted = await client.SubmitBatchAsync(items);
        var before = await client.GetBatchAsync(accepted.Id);
        var dispatched = await app.Get<PromptQueue.Core.Batches.BatchDispatcher>().DispatchAsync(CancellationToken.None);
        var outcomes = await app.ProcessVisibleAsync();

        var after = await client.GetBatchAsync(accepted.Id);
        var lines = new List<BatchResultLine>();
        await foreach (var line in client.ReadBatchResultsAsync(accepted.Id))
        {
            lines.Add(line);
        }

        var firstJob = await client.GetAsync(lines[0].JobId);

        // Assert
        Assert.Equal((3, BatchStatus.Dispatching), (accepted.Items, accepted.Status));
        Assert.Equal(3, before!.Pending);
        Assert.Equal(3, dispatched.Released);
        Assert.Equal([JobOutcome.Completed, JobOutcome.Completed, JobOutcome.Completed], outcomes.Select(o => o.Outcome));
        Assert.Equal((BatchStatus.Completed, 1.0, 0), (after!.Status, after.Progress, after.Pending));
        Assert.Equal(3, after.Counts[JobStatus.Completed]);
        Assert.Equal(["row-1", "row-2", "row-3"], lines.Select(l => l.CustomId));
        Assert.Equal([0, 1, 2], lines.Select(l => l.Index));
        Assert.All(lines, l => Assert.Equal(JobStatus.Completed, l.Status));
        Assert.All(lines, l => Assert.False(string.IsNullOrEmpty(l.Answer)));
        Assert.Equal(accepted.Id, firstJob!.BatchId);
    }

    [Fact]
    public async Task Batch_RefusalsAndControl_AnswerWithProblemsAndViews()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        await using var api = await ApiHost.StartAsync(app);
        using var http = new HttpClient();
        var client = Client(api, http);
        var jsonLines = "{\"prompt\":\"fine\"}\n{\"prompt\":\"bad\",\"temprature\":1}\n";

        // Act
        var invalid = await Assert.ThrowsAsync<PromptQueueApiException>(() => client.SubmitBatchJsonLinesAsync(new MemoryStream(Encoding.UTF8.GetBytes(jsonLines))));
        using var anonymous = await api.Anonymous.PostAsync("/api/batches", new StringContent("{\"prompt\":\"x\"}\n", Encoding.UTF8, "application/x-ndjson"));
        using var malformedId = await api.Client.GetAsync("/api/batches/not-a-batch");
        var unknown = await client.GetBatchAsync("batch-" + new string('0', 26));
        var accepted = await client.SubmitBatchAsync([new(new PromptJob { Prompt = "Never released" }, "only")]);
        var cancelled = await client.CancelBatchAsync(accepted.Id);
        var retried = await client.RetryFailedAsync(accepted.Id);
        var dispatched = await app.Get<PromptQueue.Core.Batches.BatchDispatcher>().DispatchAsync(CancellationToken.None);
        using var usage = await api.Client.GetAsync("/api/usage");
        using var badDay = await api.Client.GetAsync("/api/usage?day=yesterday");

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Contains(invalid.Problem.Errors!, e => e.Path.Contains("temprature", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, malformedId.StatusCode);
        Assert.Null(unknown);
        Assert.Equal((BatchStatus.Cancelled, 1), (cancelled.Status, cancelled.Items));
        Assert.Equal(BatchStatus.Cancelled, retried.Status);
        Assert.Equal(0, dispatched.Released);
        Assert.Equal(0, await app.JobQueue().CountAllAsync());
        Assert.Equal(HttpStatusCode.OK, usage.StatusCode);
        using var usageBody = JsonDocument.Parse(await usage.Content.ReadAsStringAsync());
        Assert.True(usageBody.RootElement.TryGetProperty("usage", out _));
        Assert.Equal(HttpStatusCode.BadRequest, badDay.StatusCode);
    }

    private static PromptQueueClient Client(ApiHost api, HttpClient http) =>
        new(http, new PromptQueueClientOptions { BaseAddress = api.Client.BaseAddress, ApiKey = api.ApiKey });
}
