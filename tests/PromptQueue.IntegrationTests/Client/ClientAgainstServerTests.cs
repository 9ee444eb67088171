using System.Net;
using PromptQueue.Cli;
using PromptQueue.Cli.Commands;
using PromptQueue.Client;
using PromptQueue.Contracts;
using PromptQueue.Core.Processing;
using PromptQueue.Core.Submission;
using PromptQueue.IntegrationTests.Http;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Client;

/// <summary>
/// The client library and the CLI's HTTP verbs against the real server: <c>promptq serve</c>'s web app on Kestrel,
/// with its key check, over Azurite, while the worker processes the jobs they submit.
/// </summary>
[Collection(AzuriteTests.Name)]
public sealed class ClientAgainstServerTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Client_SubmitWaitAndReadReasoning_ReturnsTheStoredAnswerAndTrace()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        await using var api = await ApiHost.StartAsync(app);
        using var http = new HttpClient();
        var client = new PromptQueueClient(http, Options(api, TimeSpan.FromSeconds(5)));

        // Act
        var accepted = await client.SubmitAsync(new PromptJob { Prompt = "Why is the sky blue?", Reasoning = new ReasoningSettings { Effort = "low" } }, "order-" + Guid.NewGuid().ToString("N"));
        var waiting = client.WaitForCompletionAsync(accepted.Id, TimeSpan.FromSeconds(60));
        var processed = await app.ProcessNextAsync();
        var view = await waiting;
        var reasoning = await client.GetReasoningAsync(accepted.Id);

        // Assert
        Assert.Equal(new JobProcessingResult(accepted.Id, JobOutcome.Completed), processed);
        var stored = await app.Get<JobResults>().GetAsync(accepted.Id, CancellationToken.None);
        Assert.Equal((JobStatus.Completed, stored!.Answer), (view.Status, view.Answer));
        Assert.True(view.HasReasoning);
        Assert.Equal(stored.Reasoning, reasoning!.Reasoning);
        Assert.Equal(stored.ReasoningDetails, reasoning.ReasoningDetails!.Value.GetRawText());
    }

    [Fact]
    public async Task Client_ServerRefusals_SurfaceAsProblemsOrNull()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        await using var api = await ApiHost.StartAsync(app);
        using var http = new HttpClient();
        var client = new PromptQueueClient(http, Options(api, TimeSpan.FromSeconds(5)));
        var keyless = new PromptQueueClient(http, new PromptQueueClientOptions { BaseAddress = Options(api, TimeSpan.Zero).BaseAddress, ApiKey = "wrong-key" });

        // Act
        var invalid = await Assert.ThrowsAsync<PromptQueueApiException>(() => client.SubmitJsonAsync("""{"messages":[{"role":"robot","content":"hi"}]}"""));
        var unauthorized = await Assert.ThrowsAsync<PromptQueueApiException>(() => keyless.GetAsync("job-anything"));
        var unknown = await client.GetAsync("job-never-submitted");
        var accepted = await client.SubmitJsonAsync("""{"prompt":"Cancel me."}""");
        var cancelled = await client.CancelAsync(accepted.Id);
        var cancelledTwice = await Assert.ThrowsAsync<PromptQueueApiException>(() => client.CancelAsync(accepted.Id));
        var processed = await app.ProcessNextAsync();

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Contains(invalid.Problem.Errors!, e => e.Path == "$.messages[0].role");
        Assert.Contains("$.messages[0].role", invalid.Message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        Assert.DoesNotContain("wrong-key", unauthorized.Message, StringComparison.Ordinal);
        Assert.Null(unknown);
        Assert.Equal(JobStatus.Cancelled, cancelled.Status);
        Assert.Equal(HttpStatusCode.Conflict, cancelledTwice.StatusCode);
        Assert.Equal(JobOutcome.Duplicate, processed.Outcome);
        Assert.Equal(0, app.Simulator.ChatRequestCount);
    }

    [Fact]
    public async Task Client_ContinuationOverHttp_ChildCarriesTheParentAndCompletes()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        await using var api = await ApiHost.StartAsync(app);
        using var http = new HttpClient();
        var client = new PromptQueueClient(http, Options(api, TimeSpan.FromSeconds(5)));
        var parent = await client.SubmitAsync(new PromptJob { Prompt = "Pick a prime below 20." });
        await app.ProcessNextAsync();

        // Act
        var child = await client.SubmitAsync(new PromptJob { Prompt = "Now double it.", ParentJobId = parent.Id });
        await app.ProcessNextAsync();
        var view = await client.WaitForCompletionAsync(child.Id, TimeSpan.FromSeconds(30));

        // Assert
        Assert.Equal((JobStatus.Completed, parent.Id), (view.Status, view.ParentJobId));
    }

    [Fact]
    public async Task Cli_SubmitWaitThenStatus_PrintTheAnswerFromTheServer()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        await using var api = await ApiHost.StartAsync(app);
        var url = Options(api, TimeSpan.Zero).BaseAddress!.ToString();
        var environment = new Dictionary<string, string?> { [ApiCommands.KeyVariable] = api.ApiKey, [ApiCommands.UrlVariable] = url };
        var file = Path.Combine(Path.GetTempPath(), $"promptq-submit-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, """{"prompt":"Name a colour of the sky at dusk.","reasoning":{"effort":"low"}}""");

        try
        {
            // Act
            using var submitOutput = new StringWriter();
            using var submitErrors = new StringWriter();
            var submitting = Promptq.RunAsync(["submit", file, "--wait"], new PromptqConsole(Stream.Null, submitOutput, submitErrors, name => environment.GetValueOrDefault(name)));
            await app.JobQueue().WaitForMessageAsync(TimeSpan.FromSeconds(30));
            var processed = await app.ProcessNextAsync();
            var submitExit = await submitting;
            using var statusOutput = new StringWriter();
            var statusExit = await Promptq.RunAsync(["status", processed.JobId, "--json"], new PromptqConsole(Stream.Null, statusOutput, TextWriter.Null, name => environment.GetValueOrDefault(name)));

            // Assert
            Assert.Equal(JobOutcome.Completed, processed.Outcome);
            Assert.True(submitExit == Promptq.ExitOk, submitErrors.ToString());
            var stored = await app.Get<JobResults>().GetAsync(processed.JobId, CancellationToken.None);
            Assert.Contains(processed.JobId, submitOutput.ToString(), StringComparison.Ordinal);
            Assert.Contains(stored!.Answer!, submitOutput.ToString(), StringComparison.Ordinal);
            Assert.Equal(Promptq.ExitOk, statusExit);
            Assert.Matches("\"status\":\\s*\"Completed\"", statusOutput.ToString());
            Assert.DoesNotContain(api.ApiKey, submitOutput + statusOutput.ToString() + submitErrors, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static PromptQueueClientOptions Options(ApiHost api, TimeSpan longPollRound) => new()
    {
        BaseAddress = api.Client.BaseAddress,
        ApiKey = api.ApiKey,
        LongPollRound = longPollRound == TimeSpan.Zero ? TimeSpan.FromSeconds(60) : longPollRound,
    };
}
