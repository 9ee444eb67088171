using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;
using PromptQueue.Http.Api;
using PromptQueue.Core.Processing;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Batches;

/// <summary>Shortcuts for batch tests: submit through the API, read answers, finish jobs without calling a model.</summary>
internal static class BatchTestKit
{
    public static string Jsonl(int count, Func<int, string>? line = null) =>
        string.Join('\n', Enumerable.Range(0, count).Select(line ?? (i => $$"""{"custom_id":"item-{{i}}","prompt":"Question {{i}}"}""")));

    public static async Task<ApiResponse> PostBatchAsync(this TestApp app, string body, long? contentLength = null)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(body));
        return await app.Get<BatchApi>().SubmitAsync(stream, contentLength, CancellationToken.None);
    }

    public static async Task<string> SubmitBatchAsync(this TestApp app, string body)
    {
        var response = await app.PostBatchAsync(body);
        Assert.True(response.StatusCode == 202, JsonSerializer.Serialize(response.Body, ContractJson.Options));
        return Assert.IsType<BatchAccepted>(response.Body).Id;
    }

    public static async Task<BatchView> ViewAsync(this TestApp app, string batchId)
    {
        var response = await app.Get<BatchApi>().GetAsync(batchId, CancellationToken.None);
        Assert.Equal(200, response.StatusCode);
        return Assert.IsType<BatchView>(response.Body);
    }

    public static async Task<string> BodyTextAsync(this ApiResponse response)
    {
        using var stream = new MemoryStream();
        await response.WriteBody!(stream, CancellationToken.None);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public static async Task<List<BatchResultLine>> ResultsAsync(this TestApp app, string batchId, bool reasoning = false)
    {
        var response = await app.Get<BatchApi>().ResultsAsync(batchId, reasoning, CancellationToken.None);
        Assert.Equal((200, BatchApi.NdjsonContentType), (response.StatusCode, response.ContentType));
        var text = await response.BodyTextAsync();
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonSerializer.Deserialize<BatchResultLine>(l, ContractJson.Options)!)];
    }

    /// <summary>Marks a job finished as the processor would, and tells the observers, without calling a model.</summary>
    public static async Task FinishAsync(this TestApp app, string jobId, JobStatus status, int totalTokens = 10)
    {
        var record = (await app.Store.FindAsync(jobId, CancellationToken.None))!;
        record.Status = status;
        record.CompletedAt = TimeProvider.System.GetUtcNow();
        if (status == JobStatus.Completed)
        {
            record.PromptTokens = totalTokens / 2;
            record.CompletionTokens = totalTokens - (totalTokens / 2);
            record.TotalTokens = totalTokens;
            record.Cost = 0.001;
        }
        else
        {
            record.ErrorCode = "test_failure";
            record.ErrorMessage = "failed for the test";
        }

        Assert.True(await app.Store.TryUpdateAsync(record, CancellationToken.None));
        await app.Get<JobTerminalNotices>().PublishAsync(record);
    }

    /// <summary>Job ids of the messages waiting in the job queue, read without taking them.</summary>
    public static async Task<List<string>> QueuedJobIdsAsync(this TestApp app)
    {
        var ids = new List<string>();
        var queue = app.JobQueue();
        while (true)
        {
            var messages = (await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value;
            if (messages.Length == 0)
            {
                return ids;
            }

            ids.AddRange(messages.Select(m => JobQueueMessage.Decode(m.MessageText).JobId!));
        }
    }

    public static TableClient BatchTable(this TestApp app) => app.Get<TableServiceClient>().GetTableClient(app.Configuration["PromptQueue:BatchTable"]);
}
