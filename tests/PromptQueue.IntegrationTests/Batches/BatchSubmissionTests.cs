using System.Text.Json;
using Azure.Data.Tables;
using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;
using PromptQueue.Core.Batches;
using PromptQueue.Core.Storage;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Batches;

[Collection(AzuriteTests.Name)]
public sealed class BatchSubmissionTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task SubmitAsync_Jsonl_AcceptsTheBatchWithItsItemsPending()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);

        // Act
        var response = await app.PostBatchAsync(BatchTestKit.Jsonl(3));

        // Assert
        Assert.Equal(202, response.StatusCode);
        var accepted = Assert.IsType<BatchAccepted>(response.Body);
        Assert.Matches("^batch-[0-9a-z]{26}$", accepted.Id);
        Assert.Equal((BatchStatus.Dispatching, 3, $"/api/batches/{accepted.Id}"), (accepted.Status, accepted.Items, accepted.StatusUrl));
        Assert.Equal(accepted.StatusUrl, response.Headers["Location"]);
        var view = await app.ViewAsync(accepted.Id);
        Assert.Equal((3, 3, 0.0), (view.Items, view.Pending, view.Progress));
        Assert.NotNull(view.EstimatedCompletionAt);
    }

    [Fact]
    public async Task SubmitAsync_JsonArray_StoresItemsInInputOrderWithCustomIds()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        var body = """[{"custom_id":"first","prompt":"a"},{"prompt":"b"},{"custom_id":"third","messages":[{"role":"user","content":"c"}]}]""";

        // Act
        var batchId = await app.SubmitBatchAsync(body);
        var lines = await app.ResultsAsync(batchId);

        // Assert
        Assert.Equal([0, 1, 2], lines.Select(l => l.Index));
        Assert.Equal(["first", null, "third"], lines.Select(l => l.CustomId));
        Assert.All(lines, l => Assert.Null(l.Status));
        Assert.Equal(3, lines.Select(l => l.JobId).Distinct().Count());
    }

    [Fact]
    public async Task SubmitAsync_InvalidItems_RefusesTheWholeBatchWithPathsAndStoresNothing()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        var items = Enumerable.Range(0, 20).Select(i => i == 17 ? """{"messages":[{"role":"robot","content":"x"}]}""" : """{"prompt":"fine"}""");
        var arrayBody = "[" + string.Join(",", items) + "]";
        var jsonlBody = BatchTestKit.Jsonl(20, i => i == 17 ? """{"prompt":7}""" : """{"prompt":"fine"}""");

        // Act
        var array = await app.PostBatchAsync(arrayBody);
        var jsonl = await app.PostBatchAsync(jsonlBody);

        // Assert
        Assert.Equal((400, ApiProblem.ContentType), (array.StatusCode, array.ContentType));
        Assert.Equal(new JobValidationError("$[17].messages[0].role", "must be one of system, user, assistant, tool"), Assert.Single(Assert.IsType<ApiProblem>(array.Body).Errors!));
        Assert.Equal(new JobValidationError("line 18: $.prompt", "must be a string, not a number"), Assert.Single(Assert.IsType<ApiProblem>(jsonl.Body).Errors!));
        Assert.Empty(await app.BatchTable().QueryAsync<TableEntity>().ToListAsync());
    }

    [Fact]
    public async Task SubmitAsync_ManyInvalidItems_ListsTheFirstHundredAndSaysHowManyMore()
    {
        // Arrange: 150 bad items after 250 good ones, so some items were already written when the first problem came.
        await using var app = await TestApp.StartAsync(azurite);
        var body = BatchTestKit.Jsonl(400, i => i < 250 ? """{"prompt":"fine"}""" : """{"prompt":""}""");

        // Act
        var response = await app.PostBatchAsync(body);

        // Assert
        var problem = Assert.IsType<ApiProblem>(response.Body);
        Assert.Equal(100, problem.Errors!.Count);
        Assert.Equal("line 251: $.prompt", problem.Errors[0].Path);
        Assert.Contains("50 more not listed", problem.Detail, StringComparison.Ordinal);
        Assert.Empty(await app.BatchTable().QueryAsync<TableEntity>().ToListAsync());
    }

    [Fact]
    public async Task SubmitAsync_OverTheLimits_Is413()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite, settings =>
        {
            settings["PromptQueue:Batches:MaxBodyBytes"] = "4096";
            settings["PromptQueue:Batches:MaxItems"] = "3";
        });

        // Act
        var declared = await app.PostBatchAsync(BatchTestKit.Jsonl(1), contentLength: 5000);
        var tooLong = await app.PostBatchAsync(BatchTestKit.Jsonl(1, _ => $$"""{"prompt":"{{new string('x', 5000)}}"}"""));
        var tooMany = await app.PostBatchAsync(BatchTestKit.Jsonl(4));

        // Assert
        Assert.Equal([413, 413, 413], new[] { declared.StatusCode, tooLong.StatusCode, tooMany.StatusCode });
        Assert.Contains("more than 3 items", Assert.IsType<ApiProblem>(tooMany.Body).Detail, StringComparison.Ordinal);
        Assert.Contains("larger than 4096 bytes", Assert.IsType<ApiProblem>(tooLong.Body).Detail, StringComparison.Ordinal);
        Assert.Empty(await app.BatchTable().QueryAsync<TableEntity>().ToListAsync());
    }

    [Fact]
    public async Task SubmitAsync_ItemLongerThanOneTableString_IsStoredInChunksAndReleasedWhole()
    {
        // Arrange: 70,000 characters need three 30,000-character chunks; an item over the per-item limit is refused.
        await using var app = await TestApp.StartAsync(azurite, settings => settings["Budget:RequestsPerDay"] = "1000");
        var prompt = string.Concat(Enumerable.Range(0, 7000).Select(i => $"{i % 10}abcdefghi"));
        var job = JsonSerializer.Serialize(new { prompt });

        // Act
        var batchId = await app.SubmitBatchAsync(job);
        var tooBig = await app.PostBatchAsync(JsonSerializer.Serialize(new { prompt = new string('y', 300_000) }));
        await app.Get<BatchDispatcher>().DispatchAsync(CancellationToken.None);

        // Assert
        var line = Assert.Single(await app.ResultsAsync(batchId));
        var record = (await app.Store.FindAsync(line.JobId, CancellationToken.None))!;
        Assert.Equal((batchId, 0, "batch"), (record.BatchId, record.BatchItemIndex, record.Source));
        Assert.Equal(job, await app.Store.ReadTextAsync(record, JobText.Request, CancellationToken.None));
        Assert.Equal(400, tooBig.StatusCode);
        Assert.Contains("a batch item may hold at most 256000", Assert.Single(Assert.IsType<ApiProblem>(tooBig.Body).Errors!).Message, StringComparison.Ordinal);
    }
}
