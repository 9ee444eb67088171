using System.Diagnostics;
using PromptQueue.Core.Processing;
using PromptQueue.Core.Submission;
using PromptQueue.Core.Telemetry;
using PromptQueue.Functions;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Telemetry;

/// <summary>
/// One job through the real processor and the simulator, with OpenTelemetry's in-memory exporters listening: the
/// model call's span and GenAI metrics must match the stored record and carry no prompt or answer text.
/// </summary>
[Collection(AzuriteTests.Name)]
public sealed class ModelCallTelemetryTests(AzuriteFixture azurite)
{
    private const string Prompt = "Why is the sky blue? Explain Rayleigh scattering to a child.";

    /// <summary>Every attribute a successful chat span may carry; a new one must be added here on purpose.</summary>
    private static readonly string[] SucceededSpanAttributes =
    [
        "gen_ai.operation.name", "gen_ai.provider.name", "gen_ai.request.max_tokens", "gen_ai.request.model",
        "gen_ai.request.temperature", "gen_ai.response.finish_reasons", "gen_ai.response.id", "gen_ai.response.model",
        "gen_ai.system", "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "openrouter.provider",
        "server.address", "server.port",
    ];

    [Fact]
    public async Task Run_CompletedJob_EmitsOneGenAiChatSpanMatchingTheRecord()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        using var telemetry = new TelemetryCapture();
        var jobId = await SubmitAsync(app, $$"""{"prompt":"{{Prompt}}","max_tokens":800,"temperature":0.5}""");

        // Act
        var result = await RunOneAsync(app);

        // Assert
        Assert.Equal(JobOutcome.Completed, result.Outcome);
        var job = (await app.Get<JobResults>().GetAsync(jobId, CancellationToken.None))!;
        var span = Assert.Single(telemetry.ChatSpans());
        Assert.Equal($"chat {job.Record.RequestedModel}", span.DisplayName);
        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
        Assert.Equal(SucceededSpanAttributes, span.TagObjects.Select(t => t.Key).Order(StringComparer.Ordinal));
        Assert.Equal("chat", span.GetTagItem("gen_ai.operation.name"));
        Assert.Equal("openrouter", span.GetTagItem("gen_ai.system"));
        Assert.Equal("openrouter", span.GetTagItem("gen_ai.provider.name"));
        Assert.Equal(job.Record.RequestedModel, span.GetTagItem("gen_ai.request.model"));
        Assert.Equal(800, span.GetTagItem("gen_ai.request.max_tokens"));
        Assert.Equal(0.5, span.GetTagItem("gen_ai.request.temperature"));
        Assert.Equal(job.Record.UsedModel, span.GetTagItem("gen_ai.response.model"));
        Assert.Equal(job.Record.GenerationId, span.GetTagItem("gen_ai.response.id"));
        Assert.Equal(job.Record.FinishReason, Assert.Single(Assert.IsType<string[]>(span.GetTagItem("gen_ai.response.finish_reasons"))));
        Assert.Equal(job.Record.PromptTokens, Assert.IsType<int>(span.GetTagItem("gen_ai.usage.input_tokens")));
        Assert.Equal(job.Record.CompletionTokens, Assert.IsType<int>(span.GetTagItem("gen_ai.usage.output_tokens")));
        Assert.Equal(job.Record.Provider, span.GetTagItem("openrouter.provider"));
        Assert.Equal(app.Simulator.BaseUrl.Host, span.GetTagItem("server.address"));
        AssertCarriesNoText(span, Prompt, job.Answer!, job.Reasoning!);
    }

    [Fact]
    public async Task Run_CompletedJob_RecordsGenAiTokenUsageAndDurationMatchingTheRecord()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        using var telemetry = new TelemetryCapture();
        var jobId = await SubmitAsync(app, $$"""{"prompt":"{{Prompt}}"}""");

        // Act
        await RunOneAsync(app);

        // Assert
        var record = (await app.Store.FindAsync(jobId, CancellationToken.None))!;
        var tokens = telemetry.Metric(PromptQueueTelemetry.Instruments.GenAiTokenUsage);
        Assert.Equal(2, tokens.Count);
        var input = Assert.Single(tokens, p => Equals(p["gen_ai.token.type"], "input"));
        var output = Assert.Single(tokens, p => Equals(p["gen_ai.token.type"], "output"));
        Assert.Equal((1, (double)record.PromptTokens!), (input.Count, input.Sum));
        Assert.Equal((1, (double)record.CompletionTokens!), (output.Count, output.Sum));
        Assert.All(tokens, p =>
        {
            Assert.Equal("chat", p["gen_ai.operation.name"]);
            Assert.Equal("openrouter", p["gen_ai.provider.name"]);
            Assert.Equal(record.RequestedModel, p["gen_ai.request.model"]);
            Assert.Equal(record.UsedModel, p["gen_ai.response.model"]);
        });
        Assert.Equal("{token}", telemetry.UnitOf(PromptQueueTelemetry.Instruments.GenAiTokenUsage));

        var duration = Assert.Single(telemetry.Metric(PromptQueueTelemetry.Instruments.GenAiOperationDuration));
        Assert.Equal(1, duration.Count);
        Assert.True(duration.Sum > 0, $"the call took {duration.Sum} s");
        Assert.Null(duration["error.type"]);
        Assert.Equal(record.UsedModel, duration["gen_ai.response.model"]);
        Assert.Equal("s", telemetry.UnitOf(PromptQueueTelemetry.Instruments.GenAiOperationDuration));
    }

    [Fact]
    public async Task Run_ModelNotFound_MarksSpanAndDurationWithTheErrorType()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        using var telemetry = new TelemetryCapture();
        var jobId = await SubmitAsync(app, """{"prompt":"Gone [[sim:status=404]]"}""");

        // Act
        var result = await RunOneAsync(app);

        // Assert
        Assert.Equal(JobOutcome.Failed, result.Outcome);
        var record = (await app.Store.FindAsync(jobId, CancellationToken.None))!;
        var span = Assert.Single(telemetry.ChatSpans());
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.False(string.IsNullOrEmpty(record.ErrorCode));
        Assert.Equal(record.ErrorCode, span.GetTagItem("error.type"));
        Assert.Equal(404, span.GetTagItem("http.response.status_code"));
        Assert.Null(span.GetTagItem("gen_ai.usage.input_tokens"));
        var duration = Assert.Single(telemetry.Metric(PromptQueueTelemetry.Instruments.GenAiOperationDuration));
        Assert.Equal(record.ErrorCode, duration["error.type"]);
        Assert.Empty(telemetry.Metric(PromptQueueTelemetry.Instruments.GenAiTokenUsage));
    }

    [Fact]
    public async Task Run_FreeTierRateLimit_CountsOneRateLimitedCallWithTheWaitReason()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite);
        using var telemetry = new TelemetryCapture();
        var jobId = await SubmitAsync(app, """{"prompt":"Too fast [[sim:status=429]]"}""");

        // Act
        var result = await RunOneAsync(app);

        // Assert
        Assert.Equal(JobOutcome.Deferred, result.Outcome);
        var record = (await app.Store.FindAsync(jobId, CancellationToken.None))!;
        var limited = Assert.Single(telemetry.Metric(PromptQueueTelemetry.Instruments.CallsRateLimited));
        Assert.Equal(1, limited.Sum);
        Assert.Equal(record.WaitReason?.ToString(), limited["reason"]);
        Assert.Equal(record.RequestedModel, limited["gen_ai.request.model"]);
        var span = Assert.Single(telemetry.ChatSpans());
        Assert.Equal(429, span.GetTagItem("http.response.status_code"));
    }

    [Fact]
    public async Task Run_CallCancelledByTheHost_EndsTheSpanAsCancelled()
    {
        // Arrange: the provider keeps the stream open without a token until the host shuts down.
        await using var app = await TestApp.StartAsync(azurite);
        using var telemetry = new TelemetryCapture();
        await SubmitAsync(app, """{"prompt":"Hang on [[sim:hang]]"}""");
        var message = await app.JobQueue().ReceiveOneAsync();
        using var shutdown = new CancellationTokenSource(TimeSpan.FromSeconds(1));

        // Act
        var result = await new ProcessJob(app.Processor).Run(message, shutdown.Token);

        // Assert: the processor hands the job back (released), and the span records the call as cancelled.
        Assert.Equal(JobOutcome.Deferred, result.Outcome);
        var span = Assert.Single(telemetry.ChatSpans());
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("cancelled", span.GetTagItem("error.type"));
        Assert.Equal("cancelled", Assert.Single(telemetry.Metric(PromptQueueTelemetry.Instruments.GenAiOperationDuration))["error.type"]);
    }

    internal static async Task<string> SubmitAsync(TestApp app, string json)
    {
        var submission = await app.Get<JobSubmitter>().SubmitAsync(json, JobSources.Http, CancellationToken.None);
        return submission.JobId ?? throw new InvalidOperationException($"The job was not accepted: {json}");
    }

    internal static async Task<JobProcessingResult> RunOneAsync(TestApp app)
    {
        var message = await app.JobQueue().ReceiveOneAsync();
        return await new ProcessJob(app.Processor).Run(message, CancellationToken.None);
    }

    /// <summary>No attribute holds any part of the prompt, the answer or the reasoning.</summary>
    private static void AssertCarriesNoText(Activity span, string prompt, string answer, string reasoning)
    {
        Assert.False(string.IsNullOrWhiteSpace(answer), "the job has no answer to look for");
        Assert.False(string.IsNullOrWhiteSpace(reasoning), "the job has no reasoning to look for");
        foreach (var (key, value) in span.TagObjects)
        {
            var text = value is string[] items ? string.Join('\n', items) : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "";
            foreach (var secret in new[] { prompt, answer[..Math.Min(24, answer.Length)], reasoning[..Math.Min(24, reasoning.Length)] })
            {
                Assert.False(text.Contains(secret, StringComparison.Ordinal), $"attribute {key} carries message text: {text}");
            }
        }
    }
}
