using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;
using PromptQueue.Http.Api;
using PromptQueue.Functions.Http;
using PromptQueue.IntegrationTests.Http;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Functions;

/// <summary>
/// The Functions app's HTTP triggers invoked as the ASP.NET Core integration invokes them: with an HttpRequest, and
/// the returned IActionResult executed against the response.
/// </summary>
[Collection(AzuriteTests.Name)]
public sealed class HttpFunctionsTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task SubmitThenGet_ThroughTheTriggers_AcceptsRunsAndShowsTheJob()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        var jobs = app.Get<JobApi>();
        var submit = Request(app, """{"prompt":"Hello from Functions"}""");

        // Act
        var (status, location, body) = await ExecuteAsync(await new JobFunctions(jobs).SubmitAsync(submit.Request));
        var accepted = JsonSerializer.Deserialize<JobAccepted>(body, ContractJson.Options)!;
        await app.ProcessNextAsync();
        var get = Request(app, query: "?wait=5");
        var (getStatus, _, getBody) = await ExecuteAsync(await new JobFunctions(jobs).GetAsync(get.Request, accepted.Id));

        // Assert
        Assert.Equal(202, status);
        Assert.Equal($"/api/jobs/{accepted.Id}", location);
        Assert.Equal(200, getStatus);
        var view = JsonSerializer.Deserialize<JobView>(getBody, ContractJson.Options)!;
        Assert.Equal((accepted.Id, JobStatus.Completed), (view.Id, view.Status));
        Assert.False(string.IsNullOrEmpty(view.Answer));
    }

    [Fact]
    public async Task ReasoningCancelRetry_ThroughTheTriggers_AnswerAsTheCoreDecides()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        var jobs = app.Get<JobApi>();
        var queued = await app.SubmitAsync("""{"prompt":"Not yet"}""");

        // Act
        var cancel = await ExecuteAsync(await new JobFunctions(jobs).CancelAsync(Request(app).Request, queued));
        var retry = await ExecuteAsync(await new JobFunctions(jobs).RetryAsync(Request(app).Request, queued));
        var reasoning = await ExecuteAsync(await new JobFunctions(jobs).GetReasoningAsync(Request(app).Request, queued));
        var unknown = await ExecuteAsync(await new JobFunctions(jobs).GetAsync(Request(app).Request, "job-missing"));

        // Assert
        Assert.Equal(200, cancel.Status);
        Assert.Equal(JobStatus.Cancelled, JsonSerializer.Deserialize<JobView>(cancel.Body, ContractJson.Options)!.Status);
        Assert.Equal(409, retry.Status);
        Assert.Contains("is Cancelled", retry.Body, StringComparison.Ordinal);
        Assert.Equal(200, reasoning.Status);
        Assert.Equal(new JobReasoning(queued, null, null), JsonSerializer.Deserialize<JobReasoning>(reasoning.Body, ContractJson.Options));
        Assert.Equal(404, unknown.Status);
    }

    [Fact]
    public async Task Batch_ThroughTheTriggers_StoresReleasesAndExportsInOrder()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        var batches = app.Get<BatchApi>();
        var submit = Request(app, "[{\"prompt\":\"One\",\"custom_id\":\"a\"},{\"prompt\":\"Two\",\"custom_id\":\"b\"}]");

        // Act
        var (status, location, body) = await ExecuteAsync(await new BatchFunctions(batches).SubmitAsync(submit.Request));
        var accepted = JsonSerializer.Deserialize<BatchAccepted>(body, ContractJson.Options)!;
        await app.Get<PromptQueue.Core.Batches.BatchDispatcher>().DispatchAsync(CancellationToken.None);
        var processed = await app.ProcessVisibleAsync();
        var view = await ExecuteAsync(await new BatchFunctions(batches).GetAsync(Request(app).Request, accepted.Id));
        var results = await ExecuteAsync(await new BatchFunctions(batches).GetResultsAsync(Request(app, query: "?reasoning=true").Request, accepted.Id));
        var cancel = await ExecuteAsync(await new BatchFunctions(batches).CancelAsync(Request(app).Request, accepted.Id));
        var usage = await ExecuteAsync(await new ServiceFunctions(app.Get<ServiceApi>(), app.Get<UsageApi>()).GetUsageAsync(Request(app).Request));

        // Assert
        Assert.Equal((202, $"/api/batches/{accepted.Id}", 2), (status, location, accepted.Items));
        Assert.Equal(2, processed.Count);
        Assert.Equal(BatchStatus.Completed, JsonSerializer.Deserialize<BatchView>(view.Body, ContractJson.Options)!.Status);
        var lines = results.Body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonSerializer.Deserialize<BatchResultLine>(l, ContractJson.Options)!).ToList();
        Assert.Equal(["a", "b"], lines.Select(l => l.CustomId));
        Assert.All(lines, l => Assert.False(string.IsNullOrEmpty(l.Reasoning)));
        Assert.Equal(409, cancel.Status);
        Assert.Equal(200, usage.Status);
    }

    [Fact]
    public async Task BudgetHealthOpenApi_ThroughTheTriggers_Answer()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        var service = app.Get<ServiceApi>();

        // Act
        var budget = await ExecuteAsync(await new ServiceFunctions(service, app.Get<UsageApi>()).GetBudgetAsync(Request(app).Request));
        var health = await ExecuteAsync(await new ServiceFunctions(service, app.Get<UsageApi>()).GetHealthAsync(Request(app).Request));
        var openApi = await ExecuteAsync(ServiceFunctions.GetOpenApi(Request(app).Request));

        // Assert
        Assert.Equal(200, budget.Status);
        Assert.Equal(50, JsonSerializer.Deserialize<BudgetView>(budget.Body, ContractJson.Options)!.RequestsPerDay);
        Assert.Equal((200, new HealthView("Healthy", "ok")), (health.Status, JsonSerializer.Deserialize<HealthView>(health.Body, ContractJson.Options)));
        using var document = JsonDocument.Parse(openApi.Body);
        Assert.Contains("GET /api/health", HttpApiTests.OpenApiRoutes(document));
    }

    [Fact]
    public async Task ListJobsAndListBatches_ThroughTheTriggers_PageAndRefuseAsTheCoreDecides()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        var older = await app.SubmitAsync("""{"prompt":"first"}""");
        var newer = await app.SubmitAsync("""{"prompt":"second"}""");

        // Act
        var page = await ExecuteAsync(await new JobFunctions(app.Get<JobApi>()).ListAsync(Request(app, query: "?top=1").Request));
        var next = JsonSerializer.Deserialize<ListPage<JobListItem>>(page.Body, ContractJson.Options)!;
        var rest = await ExecuteAsync(await new JobFunctions(app.Get<JobApi>()).ListAsync(Request(app, query: "?top=1&continuation=" + Uri.EscapeDataString(next.Continuation!)).Request));
        var badStatus = await ExecuteAsync(await new JobFunctions(app.Get<JobApi>()).ListAsync(Request(app, query: "?status=Nope").Request));
        var batches = await ExecuteAsync(await new BatchFunctions(app.Get<BatchApi>()).ListAsync(Request(app).Request));

        // Assert
        Assert.Equal((200, 200, 400, 200), (page.Status, rest.Status, badStatus.Status, batches.Status));
        Assert.Equal([newer], next.Items.Select(i => i.Id));
        Assert.Equal([older], JsonSerializer.Deserialize<ListPage<JobListItem>>(rest.Body, ContractJson.Options)!.Items.Select(i => i.Id));
        Assert.Equal("status", Assert.Single(JsonSerializer.Deserialize<ApiProblem>(badStatus.Body, ContractJson.Options)!.Errors!).Path);
        Assert.Empty(JsonSerializer.Deserialize<ListPage<BatchView>>(batches.Body, ContractJson.Options)!.Items);
    }

    [Fact]
    public async Task Health_StorageDown_Returns503WithoutConnectionDetails()
    {
        // Arrange: the job table lives on a port nothing listens on.
        await using var app = await TestApp.StartAsync(azurite);
        var deadStorage = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AzuriteKey};TableEndpoint=http://127.0.0.1:9/devstoreaccount1;";
        var deadTables = new Azure.Data.Tables.TableServiceClient(deadStorage, new Azure.Data.Tables.TableClientOptions { Retry = { MaxRetries = 0 } });
        var options = app.Get<Microsoft.Extensions.Options.IOptions<PromptQueue.Core.PromptQueueOptions>>();
        var store = new PromptQueue.Core.Storage.JobStore(
            deadTables,
            new PromptQueue.Core.Storage.UnfinishedJobs(deadTables, options, TimeProvider.System),
            new PromptQueue.Core.Storage.CreatedJobs(deadTables, options, TimeProvider.System),
            options,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<PromptQueue.Core.Storage.JobStore>.Instance);
        var service = new ServiceApi(
            store, app.Get<PromptQueue.Core.Budget.RequestBudget>(), app.Get<Microsoft.Extensions.Options.IOptions<PromptQueue.Core.Budget.BudgetOptions>>(),
            TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<ServiceApi>.Instance);

        // Act
        var health = await ExecuteAsync(await new ServiceFunctions(service, app.Get<UsageApi>()).GetHealthAsync(Request(app).Request));

        // Assert
        Assert.Equal(503, health.Status);
        Assert.Equal(new HealthView("Unhealthy", "storage is unreachable"), JsonSerializer.Deserialize<HealthView>(health.Body, ContractJson.Options));
        Assert.DoesNotContain("127.0.0.1", health.Body, StringComparison.Ordinal);
    }

    private const string AzuriteKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static DefaultHttpContext Request(TestApp app, string? json = null, string query = "")
    {
        var context = new DefaultHttpContext { RequestServices = app.Services };
        context.Request.QueryString = new QueryString(query.Length == 0 ? null : query);
        if (json is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(json);
            context.Request.Body = new MemoryStream(bytes);
            context.Request.ContentLength = bytes.Length;
            context.Request.ContentType = "application/json";
        }

        context.Response.Body = new MemoryStream();
        return context;
    }

    /// <summary>Executes an action result as the Functions ASP.NET Core integration does, and reads the response.</summary>
    private static async Task<(int Status, string? Location, string Body)> ExecuteAsync(IActionResult result)
    {
        var context = new DefaultHttpContext();
        context.Response.Body = new MemoryStream();
        await result.ExecuteResultAsync(new ActionContext(context, new RouteData(), new ActionDescriptor()));
        context.Response.Body.Position = 0;
        using var reader = new StreamReader(context.Response.Body);
        return (context.Response.StatusCode, context.Response.Headers.Location.ToString() is { Length: > 0 } location ? location : null, await reader.ReadToEndAsync());
    }
}
