using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PromptQueue.Contracts;
using PromptQueue.Core.Budget;
using PromptQueue.Core.Processing;
using PromptQueue.Core.Storage;
using PromptQueue.Core.Submission;
using PromptQueue.Hosting.Worker;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Continuation;

[Collection(AzuriteTests.Name)]
public sealed class ContinuationTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Worker_ChainOfThreeSubmittedAtOnce_ChildrenWaitThenLastRequestCarriesBothEarlierTurnsExactly()
    {
        // Arrange: the grandchild and child go in before their parents exist; the root answers slowly, so the
        // children certainly find their parents unfinished.
        await using var app = await TestApp.StartAsync(
            azurite,
            settings =>
            {
                settings["PromptQueue:ParentWaitBaseDelay"] = "00:00:01";
                settings["PromptQueue:ParentWaitMaxDelay"] = "00:00:02";
                settings["PromptQueue:Listener:MaxPollingInterval"] = "00:00:00.200";
            },
            configureServices: services => services.AddPromptQueueStandaloneWorker());
        await app.SubmitAsync("""{"id":"chain-c","prompt":"Third question","parent_job_id":"chain-b"}""");
        await app.SubmitAsync("""{"id":"chain-b","prompt":"Second question","parent_job_id":"chain-a"}""");
        await app.SubmitAsync("""{"id":"chain-a","system":"Be brief.","prompt":"First question [[sim:detail=unknown]] [[sim:latency-ms=500]]"}""");
        var worker = app.Get<JobQueueListener>();
        await worker.StartAsync(CancellationToken.None);

        // Act
        var finished = await WaitForAsync(app, ["chain-a", "chain-b", "chain-c"], JobStatus.Completed);
        await worker.StopAsync(CancellationToken.None);
        await worker.ExecuteTask!;

        // Assert
        var results = app.Get<JobResults>();
        var a = (await results.GetAsync("chain-a", CancellationToken.None))!;
        var b = (await results.GetAsync("chain-b", CancellationToken.None))!;
        Assert.All(finished, record => Assert.Equal(1, record.Attempts));
        Assert.True(finished.Single(r => r.JobId == "chain-c").ParentWaits >= 1, "the grandchild never waited for its parent");
        Assert.Equal("chain-b", finished.Single(r => r.JobId == "chain-c").ParentJobId);
        Assert.Equal(3, app.Simulator.ChatRequestCount);
        Assert.Contains("reasoning.future_kind", a.ReasoningDetails, StringComparison.Ordinal);

        var third = app.Simulator.ReceivedBodies.Single(body => body.Contains("Third question", StringComparison.Ordinal));
        Assert.Contains("\"reasoning_details\":" + a.ReasoningDetails, third, StringComparison.Ordinal);
        Assert.Contains("\"reasoning_details\":" + b.ReasoningDetails, third, StringComparison.Ordinal);
        using var sent = JsonDocument.Parse(third);
        var messages = sent.RootElement.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["system", "user", "assistant", "user", "assistant", "user"], messages.Select(m => m.GetProperty("role").GetString()));
        Assert.Equal(a.Answer, messages[2].GetProperty("content").GetString());
        Assert.Equal(b.Answer, messages[4].GetProperty("content").GetString());
        Assert.Equal("Third question", messages[5].GetProperty("content").GetString());
    }

    [Fact]
    public async Task Process_ParentStreamedSeveralEncryptedItems_ChildSendsEachItemBackAsTheProviderSentIt()
    {
        // Arrange: OpenAI models through OpenRouter stream several complete encrypted items, all at index 0.
        await using var app = await TestApp.StartAsync(azurite);
        await app.SubmitAsync("""{"id":"encrypted-parent","prompt":"Plan it [[sim:detail=encrypted-items]]"}""");
        Assert.Equal(JobOutcome.Completed, (await app.ProcessNextAsync()).Outcome);
        var sentByProvider = await EncryptedItemsAsync(app, "Plan it [[sim:detail=encrypted-items]]");
        await app.SubmitAsync("""{"id":"encrypted-child","prompt":"Go on","parent_job_id":"encrypted-parent"}""");

        // Act
        Assert.Equal(JobOutcome.Completed, (await app.ProcessNextAsync()).Outcome);

        // Assert
        var parent = (await app.Get<JobResults>().GetAsync("encrypted-parent", CancellationToken.None))!;
        using var stored = JsonDocument.Parse(parent.ReasoningDetails!);
        var encrypted = stored.RootElement.EnumerateArray().Where(d => d.GetProperty("type").GetString() == "reasoning.encrypted").ToList();
        Assert.Equal(2, encrypted.Count);
        Assert.NotEqual(encrypted[0].GetProperty("id").GetString(), encrypted[1].GetProperty("id").GetString());
        Assert.Equal(sentByProvider, encrypted.Select(item => item.GetRawText()));
        var childRequest = app.Simulator.ReceivedBodies.Single(body => body.Contains("Go on", StringComparison.Ordinal));
        Assert.Contains("\"reasoning_details\":" + parent.ReasoningDetails, childRequest, StringComparison.Ordinal);
    }

    /// <summary>The encrypted items the simulator sends for <paramref name="prompt"/>, as raw JSON: its text depends on the request alone.</summary>
    private static async Task<List<string>> EncryptedItemsAsync(TestApp app, string prompt)
    {
        using var http = new HttpClient { BaseAddress = app.Simulator.BaseUrl };
        var request = JsonSerializer.Serialize(new { model = "openai/gpt-oss-120b:free", messages = new[] { new { role = "user", content = prompt } } });
        using var response = await http.PostAsync("chat/completions", new StringContent(request, System.Text.Encoding.UTF8, "application/json"));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("reasoning_details").EnumerateArray()
            .Where(d => d.GetProperty("type").GetString() == "reasoning.encrypted")
            .Select(d => d.GetRawText())
            .ToList();
    }

    [Fact]
    public async Task Process_ParentFailed_ChildFailsNamingParentWithoutCallingTheModel()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        await app.SubmitAsync("""{"id":"bad-parent","prompt":"[[sim:status=400]]"}""");
        Assert.Equal(JobOutcome.Failed, (await app.ProcessNextAsync()).Outcome);
        await app.SubmitAsync("""{"id":"orphan","prompt":"go on","parent_job_id":"bad-parent"}""");

        // Act
        var result = await app.ProcessNextAsync();

        // Assert
        Assert.Equal(JobOutcome.Failed, result.Outcome);
        var child = (await app.Store.FindAsync("orphan", CancellationToken.None))!;
        Assert.Equal(JobStatus.Failed, child.Status);
        Assert.Equal(ParentJobs.FailedCode, child.ErrorCode);
        Assert.Contains("'bad-parent' is Failed", child.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(1, app.Simulator.ChatRequestCount);
    }

    [Fact]
    public async Task Process_ParentMissingPastTheGrace_FailsWithParentNotFound()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite, settings => settings["PromptQueue:ParentArrivalGrace"] = "00:00:00");
        await app.SubmitAsync("""{"id":"lost","prompt":"go on","parent_job_id":"never-was"}""");

        // Act
        var result = await app.ProcessNextAsync();

        // Assert
        Assert.Equal(JobOutcome.Failed, result.Outcome);
        var child = (await app.Store.FindAsync("lost", CancellationToken.None))!;
        Assert.Equal(ParentJobs.NotFoundCode, child.ErrorCode);
        Assert.Contains("'never-was' does not exist", child.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(0, app.Simulator.ChatRequestCount);
    }

    [Fact]
    public async Task Process_ParentsThatWaitOnEachOther_FailWithParentCycle()
    {
        // Arrange: a queue sender named each job as the other's parent; neither could ever run.
        await using var app = await TestApp.StartAsync(azurite);
        await app.SubmitAsync("""{"id":"hen","prompt":"first?","parent_job_id":"egg"}""");
        await app.ProcessNextAsync();
        await app.SubmitAsync("""{"id":"egg","prompt":"no, me","parent_job_id":"hen"}""");

        // Act
        var result = await app.ProcessNextAsync();

        // Assert
        Assert.Equal(new JobProcessingResult("egg", JobOutcome.Failed), result);
        var egg = (await app.Store.FindAsync("egg", CancellationToken.None))!;
        Assert.Equal(ParentJobs.CycleCode, egg.ErrorCode);
        Assert.Equal(0, app.Simulator.ChatRequestCount);
    }

    [Fact]
    public async Task Process_ParentUnfinishedPastTheWaitLimit_FailsWithParentTimeout()
    {
        // Arrange: the child was submitted longer ago than the limit, and its parent is still queued.
        await using var app = await TestApp.StartAsync(azurite, settings => settings["PromptQueue:ParentWaitLimit"] = "00:01:00");
        await app.SubmitAsync("""{"id":"stuck-parent","prompt":"never runs"}""");
        var parentMessage = await app.JobQueue().ReceiveOneAsync();
        await app.JobQueue().DeleteMessageAsync(parentMessage.MessageId, parentMessage.PopReceipt);
        await app.SubmitAsync("""{"id":"patient","prompt":"go on","parent_job_id":"stuck-parent"}""");
        var child = (await app.Store.FindAsync("patient", CancellationToken.None))!;
        child.QueuedAt = TimeProvider.System.GetUtcNow() - TimeSpan.FromMinutes(2);
        Assert.True(await app.Store.TryUpdateAsync(child, CancellationToken.None));

        // Act
        var result = await app.ProcessNextAsync();

        // Assert
        Assert.Equal(new JobProcessingResult("patient", JobOutcome.Failed), result);
        Assert.Equal(ParentJobs.TimeoutCode, (await app.Store.FindAsync("patient", CancellationToken.None))!.ErrorCode);
    }

    [Fact]
    public async Task Process_ParentUnfinished_ChildWaitsWithoutAttemptOrBudgetSlot()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        await app.SubmitAsync("""{"id":"child","prompt":"go on","parent_job_id":"parent"}""");
        var budgetBefore = await app.Get<RequestBudget>().ReadAsync(CancellationToken.None);

        // Act
        var result = await app.ProcessNextAsync();

        // Assert
        Assert.Equal(JobOutcome.Deferred, result.Outcome);
        var child = (await app.Store.FindAsync("child", CancellationToken.None))!;
        Assert.Equal(JobStatus.Waiting, child.Status);
        Assert.Equal(WaitReason.Parent, child.WaitReason);
        Assert.Equal(0, child.Attempts);
        Assert.Equal(1, child.ParentWaits);
        Assert.Equal(budgetBefore, await app.Get<RequestBudget>().ReadAsync(CancellationToken.None));
        Assert.Equal(1, await app.JobQueue().CountAllAsync());
        Assert.Equal(0, app.Simulator.ChatRequestCount);
    }

    [Fact]
    public async Task CheckExists_NamedParent_RefusesOnlyAMissingOne()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        await app.SubmitAsync("""{"id":"there","prompt":"hi"}""");
        var parents = app.Get<ParentJobs>();

        // Act
        var missing = await parents.CheckExistsAsync("not-there", CancellationToken.None);
        var present = await parents.CheckExistsAsync("there", CancellationToken.None);
        var none = await parents.CheckExistsAsync(null, CancellationToken.None);

        // Assert
        Assert.Equal(new JobValidationError("$.parent_job_id", "job 'not-there' does not exist; submit the parent first"), missing);
        Assert.Null(present);
        Assert.Null(none);
    }

    private static async Task<List<JobRecord>> WaitForAsync(TestApp app, string[] jobIds, JobStatus status)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        while (true)
        {
            var records = new List<JobRecord>();
            foreach (var id in jobIds)
            {
                records.Add((await app.Store.FindAsync(id, CancellationToken.None))!);
            }

            if (records.All(r => r.Status == status))
            {
                return records;
            }

            Assert.False(deadline.IsCancellationRequested, "jobs did not finish: " + string.Join(", ", records.Select(r => $"{r.JobId}={r.Status}/{r.WaitReason}")));
            await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None);
        }
    }
}
