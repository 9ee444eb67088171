using Microsoft.Extensions.DependencyInjection;
using PromptQueue.Core.Budget;
using PromptQueue.Core.OpenRouter;
using PromptQueue.Core.Processing;
using PromptQueue.Core.Submission;
using PromptQueue.Functions;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Pacing;

[Collection(AzuriteTests.Name)]
public sealed class ModelFallbackTests(AzuriteFixture azurite)
{
    private const string PaidModel = "openai/gpt-oss-120b";

    [Fact]
    public async Task Run_DailyFreeQuotaSpentWithFallbackConfigured_CompletesOnThePaidModel()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite, s =>
        {
            s["Budget:RequestsPerDay"] = "1";
            s["PromptQueue:FallbackModel"] = PaidModel;
        });
        var submitter = app.Get<JobSubmitter>();
        await app.SubmitAsync("""{"prompt":"spends the day"}""");
        await app.ProcessNextAsync();
        var late = await submitter.SubmitAsync("""{"prompt":"after the quota"}""", JobSources.Http, CancellationToken.None);
        var message = await app.JobQueue().ReceiveOneAsync();

        // Act
        var result = await new ProcessJob(app.Processor).Run(message, CancellationToken.None);

        // Assert
        Assert.Equal(JobOutcome.Completed, result.Outcome);
        var record = await app.Store.FindAsync(late.JobId!, CancellationToken.None);
        Assert.Equal(("openai/gpt-oss-120b:free", PaidModel), (record!.RequestedModel, record.UsedModel));
        Assert.Equal(1, (await app.Get<RequestBudget>().ReadAsync(CancellationToken.None)).DayUsed);
    }

    [Fact]
    public async Task Run_FreeVariantGoneWithFallbackConfigured_RetriesOnThePaidModelAtOnce()
    {
        // Arrange: OpenRouter answers 404 free_variant_ended for the free model only.
        var client = new FreeVariantEndedClient();
        await using var app = await TestApp.StartAsync(azurite, s => s["PromptQueue:FallbackModel"] = PaidModel,
            configureServices: services => services.AddSingleton<IChatCompletionClient>(client));
        var submission = await app.Get<JobSubmitter>().SubmitAsync("""{"prompt":"still there?"}""", JobSources.Http, CancellationToken.None);
        var message = await app.JobQueue().ReceiveOneAsync();

        // Act
        var result = await new ProcessJob(app.Processor).Run(message, CancellationToken.None);

        // Assert
        Assert.Equal(JobOutcome.Completed, result.Outcome);
        Assert.Equal(["openai/gpt-oss-120b:free", PaidModel], client.Models);
        var record = await app.Store.FindAsync(submission.JobId!, CancellationToken.None);
        Assert.Equal((PaidModel, client.Models.Count), (record!.UsedModel, record.Attempts));
    }

    [Fact]
    public async Task Run_FreeVariantGoneWithoutFallback_FailsWithTheProviderError()
    {
        // Arrange
        var client = new FreeVariantEndedClient();
        await using var app = await TestApp.StartAsync(azurite, configureServices: services => services.AddSingleton<IChatCompletionClient>(client));
        var submission = await app.Get<JobSubmitter>().SubmitAsync("""{"prompt":"still there?"}""", JobSources.Http, CancellationToken.None);
        var message = await app.JobQueue().ReceiveOneAsync();

        // Act
        var result = await new ProcessJob(app.Processor).Run(message, CancellationToken.None);

        // Assert
        Assert.Equal(JobOutcome.Failed, result.Outcome);
        Assert.Equal(["openai/gpt-oss-120b:free"], client.Models);
        var record = await app.Store.FindAsync(submission.JobId!, CancellationToken.None);
        Assert.Equal(("free_variant_ended", 404), (record!.ErrorCode, record.ErrorHttpStatus));
    }

    /// <summary>Refuses free models as OpenRouter does once a :free promotion ends; answers paid ones.</summary>
    private sealed class FreeVariantEndedClient : IChatCompletionClient
    {
        public List<string?> Models { get; } = [];

        public Task<ChatOutcome> CompleteAsync(ChatRequest request, CancellationToken cancellationToken)
        {
            Models.Add(request.Model);
            ChatOutcome outcome = request.Model!.EndsWith(":free", StringComparison.Ordinal)
                ? new ChatFailed(new ProviderError(404, "free_variant_ended", "The free variant of this model has ended.", "not_found", null, """{"error":{"code":404}}"""))
                : new ChatSucceeded(new ChatCompletion("answer", null, null, [], "stop", "stop", null, "Fake", request.Model, "gen-1"));
            return Task.FromResult(outcome);
        }
    }
}
