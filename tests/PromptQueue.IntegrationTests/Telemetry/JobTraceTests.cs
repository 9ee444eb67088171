using System.Diagnostics;
using System.Net;
using System.Text;
using OpenTelemetry;
using OpenTelemetry.Trace;
using PromptQueue.Contracts;
using PromptQueue.Core.Processing;
using PromptQueue.Core.Submission;
using PromptQueue.Core.Telemetry;
using PromptQueue.Hosting;
using PromptQueue.IntegrationTests.Http;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Telemetry;

/// <summary>
/// One job is one distributed trace: the caller's request, the submit, the wait on the queue, the processing, the
/// storage calls and the model call, with the sources the hosts subscribe to, and none of the job's text in it.
/// </summary>
[Collection(AzuriteTests.Name)]
public sealed class JobTraceTests(AzuriteFixture azurite)
{
    private const string Prompt = "Which river runs through Kraków? (a secret prompt)";

    [Fact]
    public async Task HttpSubmitThenQueueThenProcessing_IsOneTraceFromTheCallerToTheModelCall()
    {
        // Arrange: the switch the hosts set, so the Azure SDK emits spans of its storage calls.
        AppContext.SetSwitch(TelemetryServiceCollectionExtensions.AzureSdkActivitySwitch, true);
        var spans = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource([.. TelemetryServiceCollectionExtensions.TraceSources, Caller.Name])
            .AddInMemoryExporter(spans)
            .Build()!;
        await using var app = await TestApp.StartAsync(azurite);
        await using var api = await ApiHost.StartAsync(app);

        // Act: a caller submits under a span of its own; then a worker takes the message.
        string jobId;
        ActivityTraceId traceId;
        using (var caller = Caller.StartActivity("caller submits a job"))
        {
            traceId = caller!.TraceId;
            using var response = await api.Client.PostAsync("/api/jobs", new StringContent($$"""{"prompt":"{{Prompt}}"}""", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            jobId = (await System.Text.Json.JsonSerializer.DeserializeAsync<Contracts.Api.JobAccepted>(await response.Content.ReadAsStreamAsync(), ContractJson.Options))!.Id;
        }

        Assert.Equal(JobOutcome.Completed, (await app.ProcessNextAsync()).Outcome);
        tracing.ForceFlush();

        // Assert
        var trace = spans.Where(s => s.TraceId == traceId).ToList();
        var submit = Assert.Single(trace, s => s.DisplayName == JobTracing.SubmitSpan);
        var wait = Assert.Single(trace, s => s.DisplayName == JobTracing.QueueWaitSpan);
        var process = Assert.Single(trace, s => s.DisplayName == JobTracing.ProcessSpan);
        var chat = Assert.Single(trace, s => s.Kind == ActivityKind.Client && s.DisplayName.StartsWith("chat ", StringComparison.Ordinal));
        Assert.Equal((ActivityKind.Producer, jobId), (submit.Kind, submit.GetTagItem(JobTracing.JobIdAttribute)));
        Assert.Equal(submit.SpanId, wait.ParentSpanId);
        Assert.Equal(submit.SpanId, process.ParentSpanId);
        Assert.Equal((ActivityKind.Consumer, jobId, "Completed"), (process.Kind, process.GetTagItem(JobTracing.JobIdAttribute), process.GetTagItem(JobTracing.OutcomeAttribute)));
        Assert.True(IsWithin(chat, process, trace), "the model call is not part of the processing");
        Assert.Contains(trace, s => s.Source.Name.StartsWith("Azure.", StringComparison.Ordinal) && IsWithin(s, process, trace));
        Assert.Contains(trace, s => s.Source.Name == "System.Net.Http" && IsWithin(s, chat, trace));
        Assert.Contains(trace, s => s.Source.Name == "Microsoft.AspNetCore");

        var answer = (await app.Get<JobResults>().GetAsync(jobId, CancellationToken.None))!.Answer!;
        var text = string.Join("\n", trace.SelectMany(s => s.TagObjects.Select(t => $"{s.DisplayName} {t.Key}={t.Value}")));
        Assert.DoesNotContain("secret prompt", text, StringComparison.Ordinal);
        Assert.DoesNotContain(answer[..Math.Min(40, answer.Length)], text, StringComparison.Ordinal);
    }

    private static readonly ActivitySource Caller = new("PromptQueue.IntegrationTests.Caller");

    /// <summary>True when <paramref name="span"/> is <paramref name="ancestor"/> or one of its descendants.</summary>
    private static bool IsWithin(Activity span, Activity ancestor, List<Activity> trace)
    {
        for (var current = span; current is not null; current = trace.FirstOrDefault(s => s.SpanId == current.ParentSpanId))
        {
            if (current.SpanId == ancestor.SpanId)
            {
                return true;
            }
        }

        return false;
    }
}
