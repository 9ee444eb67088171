using PromptQueue.Contracts;
using PromptQueue.Core.Storage;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Storage;

[Collection(AzuriteTests.Name)]
public sealed class JobStoreTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task TryUpdateAsync_TwoMegabyteTraceOfMixedScripts_ReadsBackIdentical()
    {
        // Arrange: non-ASCII text and surrogate pairs make the wire size far larger than the character count.
        await using var app = await TestApp.StartAsync(azurite);
        var trace = MixedText(2 * 1024 * 1024);
        var record = new JobRecord { PartitionKey = "big-trace", Status = JobStatus.Running };
        Assert.True(await app.Store.TryCreateAsync(record, new Dictionary<JobText, string>(), CancellationToken.None));
        record.Status = JobStatus.Completed;

        // Act
        var written = await app.Store.TryUpdateAsync(record, new Dictionary<JobText, string> { [JobText.Reasoning] = trace, [JobText.Answer] = "ok" }, CancellationToken.None);
        var stored = await app.Store.FindAsync("big-trace", CancellationToken.None);
        var readBack = await app.Store.ReadTextAsync(stored!, JobText.Reasoning, CancellationToken.None);

        // Assert
        Assert.True(written);
        Assert.Equal(JobStatus.Completed, stored!.Status);
        Assert.Equal(trace.Length, readBack!.Length);
        Assert.Equal(trace, readBack);
        Assert.Equal("ok", await app.Store.ReadTextAsync(stored, JobText.Answer, CancellationToken.None));
    }

    [Fact]
    public async Task TryUpdateAsync_StaleETag_ReturnsFalseAndLeavesTheNewerRecord()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        var record = new JobRecord { PartitionKey = "contended", Status = JobStatus.Queued };
        await app.Store.TryCreateAsync(record, new Dictionary<JobText, string>(), CancellationToken.None);
        var mine = await app.Store.FindAsync("contended", CancellationToken.None);
        var theirs = await app.Store.FindAsync("contended", CancellationToken.None);
        theirs!.Status = JobStatus.Running;
        Assert.True(await app.Store.TryUpdateAsync(theirs, CancellationToken.None));
        mine!.Status = JobStatus.Completed;

        // Act
        var written = await app.Store.TryUpdateAsync(mine, new Dictionary<JobText, string> { [JobText.Answer] = "late" }, CancellationToken.None);

        // Assert
        Assert.False(written);
        var stored = await app.Store.FindAsync("contended", CancellationToken.None);
        Assert.Equal(JobStatus.Running, stored!.Status);
        Assert.Null(await app.Store.ReadTextAsync(stored, JobText.Answer, CancellationToken.None));
    }

    [Fact]
    public async Task TryCreateAsync_ExistingJobWithLargeRequest_ReturnsFalseWithoutTouchingItsTexts()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        var original = new string('a', 5 * JobTextRows.ChunkChars);
        await app.Store.TryCreateAsync(new JobRecord { PartitionKey = "clash" }, new Dictionary<JobText, string> { [JobText.Request] = original }, CancellationToken.None);
        var intruder = MixedText(4 * 1024 * 1024);

        // Act
        var created = await app.Store.TryCreateAsync(new JobRecord { PartitionKey = "clash" }, new Dictionary<JobText, string> { [JobText.Request] = intruder }, CancellationToken.None);

        // Assert
        Assert.False(created);
        var stored = await app.Store.FindAsync("clash", CancellationToken.None);
        Assert.Equal(original, await app.Store.ReadTextAsync(stored!, JobText.Request, CancellationToken.None));
    }

    [Fact]
    public async Task TryUpdateAsync_LosingWriterWithMultiTransactionTrace_LeavesTheWinnersTraceWhole()
    {
        // Arrange: worker A's claim lapsed; worker B took the job over and stored its result first. A's trace needs
        // several transactions, and every one but the last used to be written without a condition.
        await using var app = await TestApp.StartAsync(azurite);
        var record = new JobRecord { PartitionKey = "taken-over", Status = JobStatus.Running };
        Assert.True(await app.Store.TryCreateAsync(record, new Dictionary<JobText, string>(), CancellationToken.None));
        var workerA = await app.Store.FindAsync("taken-over", CancellationToken.None);
        var workerB = await app.Store.FindAsync("taken-over", CancellationToken.None);
        var winnersTrace = new string('b', 110 * JobTextRows.ChunkChars);
        var losersTrace = new string('a', 120 * JobTextRows.ChunkChars);
        workerB!.Status = JobStatus.Completed;
        Assert.True(await app.Store.TryUpdateAsync(workerB, new Dictionary<JobText, string> { [JobText.Reasoning] = winnersTrace, [JobText.Answer] = "B" }, CancellationToken.None));
        workerA!.Status = JobStatus.Completed;

        // Act
        var written = await app.Store.TryUpdateAsync(workerA, new Dictionary<JobText, string> { [JobText.Reasoning] = losersTrace, [JobText.Answer] = "A" }, CancellationToken.None);

        // Assert
        Assert.False(written);
        var stored = await app.Store.FindAsync("taken-over", CancellationToken.None);
        var trace = await app.Store.ReadTextAsync(stored!, JobText.Reasoning, CancellationToken.None);
        Assert.Equal(winnersTrace.Length, trace!.Length);
        Assert.True(winnersTrace == trace, $"the winner's trace was changed: {trace.Count(c => c == 'a')} of its characters are the loser's");
        Assert.Equal("B", await app.Store.ReadTextAsync(stored!, JobText.Answer, CancellationToken.None));
    }

    [Fact]
    public async Task TryUpdateAsync_LosingWriter_LeavesNoRowsOfItsOwnBehind()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        var record = new JobRecord { PartitionKey = "orphans", Status = JobStatus.Running };
        Assert.True(await app.Store.TryCreateAsync(record, new Dictionary<JobText, string>(), CancellationToken.None));
        var loser = await app.Store.FindAsync("orphans", CancellationToken.None);
        var winner = await app.Store.FindAsync("orphans", CancellationToken.None);
        winner!.Status = JobStatus.Completed;
        Assert.True(await app.Store.TryUpdateAsync(winner, new Dictionary<JobText, string> { [JobText.Answer] = "winner" }, CancellationToken.None));
        var rowsBefore = await RowKeysAsync(app, "orphans");
        loser!.Status = JobStatus.Completed;

        // Act
        var written = await app.Store.TryUpdateAsync(loser, new Dictionary<JobText, string> { [JobText.Reasoning] = new string('x', 150 * JobTextRows.ChunkChars) }, CancellationToken.None);

        // Assert
        Assert.False(written);
        Assert.Equal(rowsBefore, await RowKeysAsync(app, "orphans"));
    }

    [Fact]
    public async Task ReadTextAsync_RowsStoredBeforeVersions_ReadBackWhole()
    {
        // Arrange: a job row and chunk rows as releases before versioned keys stored them.
        await using var app = await TestApp.StartAsync(azurite);
        await app.JobTable.AddEntityAsync(new Azure.Data.Tables.TableEntity("legacy", JobRecord.RowKeyValue) { ["Status"] = "Completed", ["AnswerChunks"] = 2 });
        await app.JobTable.AddEntityAsync(new Azure.Data.Tables.TableEntity("legacy", "answer-00000") { [JobTextRows.TextProperty] = "first half, " });
        await app.JobTable.AddEntityAsync(new Azure.Data.Tables.TableEntity("legacy", "answer-00001") { [JobTextRows.TextProperty] = "second half" });
        var stored = await app.Store.FindAsync("legacy", CancellationToken.None);

        // Act
        var answer = await app.Store.ReadTextAsync(stored!, JobText.Answer, CancellationToken.None);

        // Assert
        Assert.Equal("first half, second half", answer);
    }

    [Fact]
    public async Task FindAsync_EveryWaitReason_RoundTripsAsItsNameInTheWaitReasonColumn()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        var reasons = Enum.GetValues<WaitReason>();
        foreach (var reason in reasons)
        {
            var record = new JobRecord { PartitionKey = "wait-" + reason, Status = JobStatus.Waiting, WaitReason = reason };
            Assert.True(await app.Store.TryCreateAsync(record, new Dictionary<JobText, string>(), CancellationToken.None));
        }

        foreach (var reason in reasons)
        {
            // Act
            var stored = await app.Store.FindAsync("wait-" + reason, CancellationToken.None);
            var row = (await app.JobTable.GetEntityAsync<Azure.Data.Tables.TableEntity>("wait-" + reason, JobRecord.RowKeyValue)).Value;

            // Assert
            Assert.Equal(reason, stored!.WaitReason);
            Assert.Equal(reason.ToString(), row.GetString("WaitReason"));
            Assert.False(row.ContainsKey(nameof(JobRecord.StoredWaitReason)));
        }
    }

    [Theory]
    [InlineData("Released", WaitReason.Released)]
    [InlineData("DailyLimit", WaitReason.DailyLimit)]
    [InlineData("RateLimitedPerMinute", WaitReason.RateLimitedPerMinute)]
    [InlineData("Parent", WaitReason.Parent)]
    [InlineData("SomethingNewer", WaitReason.Unknown)]
    public async Task FindAsync_WaitReasonStoredAsText_ReadsAsTheSetAndAnUnknownOneAsTheFallback(string stored, WaitReason expected)
    {
        // Arrange: a job row as releases before the closed set, or a newer one, stored it.
        await using var app = await TestApp.StartAsync(azurite);
        await app.JobTable.AddEntityAsync(new Azure.Data.Tables.TableEntity("text-reason", JobRecord.RowKeyValue) { ["Status"] = "Waiting", ["WaitReason"] = stored });

        // Act
        var record = await app.Store.FindAsync("text-reason", CancellationToken.None);

        // Assert
        Assert.Equal((JobStatus.Waiting, expected, stored), (record!.Status, record.WaitReason, record.StoredWaitReason));
    }

    private static async Task<List<string>> RowKeysAsync(TestApp app, string jobId)
    {
        var keys = new List<string>();
        await foreach (var row in app.JobTable.QueryAsync<Azure.Data.Tables.TableEntity>(e => e.PartitionKey == jobId, select: ["RowKey"]))
        {
            keys.Add(row.RowKey);
        }

        return keys;
    }

    private static string MixedText(int length)
    {
        var random = new Random(7);
        var pieces = new[] { "reasoning step ", "Überlegung ", "推理步骤 ", "🤔 ", "\"quoted\" \\ ", "\n" };
        var builder = new System.Text.StringBuilder(length + 16);
        while (builder.Length < length)
        {
            builder.Append(pieces[random.Next(pieces.Length)]);
        }

        return builder.ToString(0, length - (char.IsHighSurrogate(builder[length - 1]) ? 1 : 0));
    }
}
