using System.Text.Json;

namespace PromptQueue.IntegrationTests.Functions;

/// <summary>
/// Core Tools cannot run here, so the trigger wiring the Functions host would index is checked from the
/// <c>functions.metadata</c> file the Worker SDK generates at build time.
/// </summary>
public sealed class FunctionsMetadataTests
{
    [Fact]
    public void FunctionsMetadata_Generated_DeclaresEveryTriggerWithItsSettings()
    {
        // Arrange
        var path = Path.Combine(AppContext.BaseDirectory, "functions.metadata");
        Assert.True(File.Exists(path), $"functions.metadata was not generated next to the test assembly ({path})");

        // Act
        using var metadata = JsonDocument.Parse(File.ReadAllText(path));
        var functions = metadata.RootElement.EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!, f => f.Clone());

        // Assert
        Assert.Equal(
            ["CancelBatch", "CancelJob", "DeadLetterJob", "DeliverNotice", "DispatchBatches", "GetBatch", "GetBatchResults", "GetBudget", "GetHealth", "GetJob", "GetJobReasoning", "GetOpenApi", "GetUsage", "ListBatches", "ListJobs", "ProcessJob", "RecoverStrandedJobs", "RemoveExpiredJobs", "RetryFailedBatchItems", "RetryJob", "SubmitBatch", "SubmitJob"],
            functions.Keys.Order(StringComparer.Ordinal));
        AssertQueueTrigger(functions["ProcessJob"], "%PromptQueue:JobQueue%", "PromptQueue.Functions.ProcessJob.Run");
        AssertQueueTrigger(functions["DeadLetterJob"], "%PromptQueue:JobQueue%-poison", "PromptQueue.Functions.DeadLetterJob.Run");
        AssertQueueTrigger(functions["DeliverNotice"], "%PromptQueue:Notices:NoticeQueue%", "PromptQueue.Functions.DeliverNotice.Run");
        var timer = Assert.Single(functions["RecoverStrandedJobs"].GetProperty("bindings").EnumerateArray());
        Assert.Equal(("timerTrigger", "0 */5 * * * *"), (timer.GetProperty("type").GetString(), timer.GetProperty("schedule").GetString()));
        var retention = Assert.Single(functions["RemoveExpiredJobs"].GetProperty("bindings").EnumerateArray());
        Assert.Equal(("timerTrigger", "0 30 * * * *"), (retention.GetProperty("type").GetString(), retention.GetProperty("schedule").GetString()));
        var dispatch = Assert.Single(functions["DispatchBatches"].GetProperty("bindings").EnumerateArray());
        Assert.Equal(("timerTrigger", "%PromptQueue:Batches:DispatchSchedule%"), (dispatch.GetProperty("type").GetString(), dispatch.GetProperty("schedule").GetString()));
        Assert.Equal("PromptQueue.Functions.DispatchBatches.Run", functions["DispatchBatches"].GetProperty("entryPoint").GetString());
    }

    public static TheoryData<string, string, string, string, string> HttpFunctions => new()
    {
        { "SubmitJob", "JobFunctions.SubmitAsync", "post", "jobs", "Function" },
        { "ListJobs", "JobFunctions.ListAsync", "get", "jobs", "Function" },
        { "ListBatches", "BatchFunctions.ListAsync", "get", "batches", "Function" },
        { "GetJob", "JobFunctions.GetAsync", "get", "jobs/{id}", "Function" },
        { "GetJobReasoning", "JobFunctions.GetReasoningAsync", "get", "jobs/{id}/reasoning", "Function" },
        { "CancelJob", "JobFunctions.CancelAsync", "post", "jobs/{id}/cancel", "Function" },
        { "RetryJob", "JobFunctions.RetryAsync", "post", "jobs/{id}/retry", "Function" },
        { "SubmitBatch", "BatchFunctions.SubmitAsync", "post", "batches", "Function" },
        { "GetBatch", "BatchFunctions.GetAsync", "get", "batches/{id}", "Function" },
        { "CancelBatch", "BatchFunctions.CancelAsync", "post", "batches/{id}/cancel", "Function" },
        { "RetryFailedBatchItems", "BatchFunctions.RetryFailedAsync", "post", "batches/{id}/retry-failed", "Function" },
        { "GetBatchResults", "BatchFunctions.GetResultsAsync", "get", "batches/{id}/results", "Function" },
        { "GetUsage", "ServiceFunctions.GetUsageAsync", "get", "usage", "Function" },
        { "GetBudget", "ServiceFunctions.GetBudgetAsync", "get", "budget", "Function" },
        { "GetOpenApi", "ServiceFunctions.GetOpenApi", "get", "openapi.json", "Function" },
        { "GetHealth", "ServiceFunctions.GetHealthAsync", "get", "health", "Anonymous" },
    };

    [Theory]
    [MemberData(nameof(HttpFunctions))]
    public void FunctionsMetadata_HttpFunction_HasItsRouteMethodAndAuthLevel(string name, string entryPoint, string method, string route, string authLevel)
    {
        // Arrange
        using var metadata = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "functions.metadata")));

        // Act
        var function = metadata.RootElement.EnumerateArray().Single(f => f.GetProperty("name").GetString() == name);
        var bindings = function.GetProperty("bindings").EnumerateArray().ToList();

        // Assert
        Assert.Equal($"PromptQueue.Functions.Http.{entryPoint}", function.GetProperty("entryPoint").GetString());
        var trigger = Assert.Single(bindings, b => b.GetProperty("type").GetString() == "httpTrigger");
        Assert.Equal(route, trigger.GetProperty("route").GetString());
        Assert.Equal([method], trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!));
        Assert.Equal(authLevel, trigger.GetProperty("authLevel").GetString());
        Assert.Single(bindings, b => b.GetProperty("type").GetString() == "http" && b.GetProperty("name").GetString() == "$return");
    }

    [Fact]
    public void FunctionsMetadata_EveryHttpRoute_IsInTheOpenApiDocument()
    {
        // Arrange
        using var metadata = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "functions.metadata")));
        using var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "host.json")));
        using var openApi = JsonDocument.Parse(PromptQueue.Http.ServiceEndpoints.OpenOpenApiDocument());
        var prefix = host.RootElement.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString();

        // Act
        var routes = metadata.RootElement.EnumerateArray()
            .SelectMany(f => f.GetProperty("bindings").EnumerateArray())
            .Where(b => b.GetProperty("type").GetString() == "httpTrigger")
            .SelectMany(b => b.GetProperty("methods").EnumerateArray().Select(m => $"{m.GetString()!.ToUpperInvariant()} /{prefix}/{b.GetProperty("route").GetString()}"))
            .ToList();

        // Assert
        Assert.Equal("api", prefix);
        var documented = PromptQueue.IntegrationTests.Http.HttpApiTests.OpenApiRoutes(openApi);
        Assert.Equal(documented.Order(StringComparer.Ordinal), routes.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void HostJson_QueueSettings_AcceptPlainAndBase64SendersAndNeverRetryBackToBack()
    {
        // Arrange
        var path = Path.Combine(AppContext.BaseDirectory, "host.json");

        // Act
        using var host = JsonDocument.Parse(File.ReadAllText(path));
        var queues = host.RootElement.GetProperty("extensions").GetProperty("queues");

        // Assert: "none" hands the worker the raw text, and the worker decodes plain JSON and base64 alike.
        Assert.Equal("none", queues.GetProperty("messageEncoding").GetString());
        Assert.True(TimeSpan.Parse(queues.GetProperty("visibilityTimeout").GetString()!, System.Globalization.CultureInfo.InvariantCulture) > TimeSpan.Zero);
        Assert.Equal("2.0", host.RootElement.GetProperty("version").GetString());
    }

    private static void AssertQueueTrigger(JsonElement function, string queueName, string entryPoint)
    {
        Assert.Equal(entryPoint, function.GetProperty("entryPoint").GetString());
        var binding = Assert.Single(function.GetProperty("bindings").EnumerateArray());
        Assert.Equal("queueTrigger", binding.GetProperty("type").GetString());
        Assert.Equal(queueName, binding.GetProperty("queueName").GetString());
        Assert.Equal("AzureWebJobsStorage", binding.GetProperty("connection").GetString());
    }
}
