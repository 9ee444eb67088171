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
