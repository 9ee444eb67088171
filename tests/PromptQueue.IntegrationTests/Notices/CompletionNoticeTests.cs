using System.Text.Json;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using PromptQueue.Contracts;
using PromptQueue.Core.Notices;
using PromptQueue.Core.Processing;
using PromptQueue.Core.Storage;
using PromptQueue.Functions;
using PromptQueue.Hosting.Worker;
using PromptQueue.Http;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Notices;

[Collection(AzuriteTests.Name)]
public sealed class CompletionNoticeTests(AzuriteFixture azurite)
{
    private const string Secret = "whsec-test-secret-that-must-never-be-logged";

    [Theory]
    [InlineData(JobStatus.Completed)]
    [InlineData(JobStatus.Failed)]
    [InlineData(JobStatus.Rejected)]
    [InlineData(JobStatus.DeadLettered)]
    [InlineData(JobStatus.Cancelled)]
    public async Task Publish_TerminalStatus_WritesOneSmallResultsMessage(JobStatus status)
    {
        // Arrange
        await using var app = await StartAsync(settings => settings["PromptQueue:Notices:ResultsQueueEnabled"] = "true");
        var record = new JobRecord { PartitionKey = "job-1", Status = status, CompletedAt = DateTimeOffset.UnixEpoch, ErrorCode = status == JobStatus.Completed ? null : "some_error" };

        // Act
        await app.Get<JobTerminalNotices>().PublishAsync(record);

        // Assert
        var message = await ResultsQueue(app).ReceiveOneAsync();
        using var notice = JsonDocument.Parse(message.Body.ToString());
        Assert.Equal("job-1", notice.RootElement.GetProperty("job_id").GetString());
        Assert.Equal(status.ToString(), notice.RootElement.GetProperty("status").GetString());
        Assert.Equal("/api/jobs/job-1", notice.RootElement.GetProperty("status_url").GetString());
        Assert.Equal(record.ErrorCode, notice.RootElement.TryGetProperty("error_code", out var code) ? code.GetString() : null);
        Assert.Equal(0, await app.Get<NoticeQueues>().Webhook.ExistsAsync() ? await app.Get<NoticeQueues>().Webhook.CountAllAsync() : 0);
    }

    [Fact]
    public async Task Publish_PublicBaseUrlConfigured_StatusUrlIsAbsoluteUnderIt()
    {
        // Arrange: the host knows the address its callers use, so a receiver can follow the link as it is.
        await using var app = await StartAsync(settings =>
        {
            settings["PromptQueue:Notices:ResultsQueueEnabled"] = "true";
            settings["PromptQueue:Http:PublicBaseUrl"] = "https://promptqueue.example.com/";
        });
        var record = new JobRecord { PartitionKey = "job 2/a", Status = JobStatus.Completed, CompletedAt = DateTimeOffset.UnixEpoch };

        // Act
        await app.Get<JobTerminalNotices>().PublishAsync(record);

        // Assert
        var message = await ResultsQueue(app).ReceiveOneAsync();
        using var notice = JsonDocument.Parse(message.Body.ToString());
        Assert.Equal("https://promptqueue.example.com/api/jobs/job%202%2Fa", notice.RootElement.GetProperty("status_url").GetString());
    }

    [Theory]
    [InlineData("promptqueue.example.com")]
    [InlineData("ftp://promptqueue.example.com")]
    [InlineData("https://promptqueue.example.com/?key=1")]
    public void HttpApi_PublicBaseUrlNotAnHttpAddress_FailsAtStartNamingTheSetting(string value)
    {
        // Arrange
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?> { ["PromptQueue:Http:PublicBaseUrl"] = value }).Build())
            .AddPromptQueueHttpApi()
            .BuildServiceProvider();

        // Act
        var thrown = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(
            () => services.GetRequiredService<Microsoft.Extensions.Options.IOptions<PromptQueue.Http.Api.ApiOptions>>().Value);

        // Assert
        Assert.Contains("PromptQueue:Http:PublicBaseUrl", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Process_CompletedJob_ResultsMessageCarriesUsageUnlessTheJobOptsOut()
    {
        // Arrange
        await using var app = await StartAsync(settings => settings["PromptQueue:Notices:ResultsQueueEnabled"] = "true");
        var wanted = await app.SubmitAsync("""{"prompt":"hi"}""");
        await app.ProcessNextAsync();
        await app.SubmitAsync("""{"prompt":"quiet","notify":{"results_queue":false}}""");

        // Act
        await app.ProcessNextAsync();

        // Assert: one message, for the job that did not opt out.
        var message = await ResultsQueue(app).ReceiveOneAsync();
        using var notice = JsonDocument.Parse(message.Body.ToString());
        Assert.Equal(wanted, notice.RootElement.GetProperty("job_id").GetString());
        Assert.Equal("Completed", notice.RootElement.GetProperty("status").GetString());
        Assert.True(notice.RootElement.GetProperty("usage").GetProperty("total_tokens").GetInt32() > 0);
        Assert.False(notice.RootElement.TryGetProperty("answer", out _));
    }

    [Fact]
    public async Task Deliver_ReceiverFailsOnceThenAccepts_RetriesAndSignsTheSameBody()
    {
        // Arrange
        await using var receiver = await WebhookReceiver.StartAsync(500);
        var logs = new FakeLogCollector();
        await using var app = await StartAsync(WebhookSettings(receiver), logs);
        var jobId = await app.SubmitAsync("""{"prompt":"hi"}""");
        await app.ProcessNextAsync();
        var deliver = new DeliverNotice(app.Get<WebhookDeliverer>());

        // Act
        var original = await NoticeQueue(app).ReceiveOneAsync();
        var first = await deliver.Run(original, CancellationToken.None);
        await NoticeQueue(app).DeleteMessageAsync(original.MessageId, original.PopReceipt);
        var retry = await NoticeQueue(app).ReceiveOneAsync();
        var second = await deliver.Run(retry, CancellationToken.None);

        // Assert
        Assert.Equal((WebhookOutcome.RetryScheduled, WebhookOutcome.Delivered), (first, second));
        Assert.Equal(1, WebhookNoticeMessage.TryRead(retry.Body.ToString())!.Attempt);
        var posts = receiver.Received.ToArray();
        Assert.Equal(2, posts.Length);
        Assert.All(posts, post => Assert.True(WebhookSignature.Verify(Secret, long.Parse(post.Timestamp!, System.Globalization.CultureInfo.InvariantCulture), post.Body, post.Signature!)));
        Assert.Equal(posts[0].Body, posts[1].Body);
        Assert.Equal(posts[0].Delivery, posts[1].Delivery);
        using var body = JsonDocument.Parse(posts[1].Body);
        Assert.Equal(jobId, body.RootElement.GetProperty("job_id").GetString());
        Assert.Equal(posts[1].Delivery, body.RootElement.GetProperty("delivery_id").GetString());
        Assert.DoesNotContain(logs.GetSnapshot(), record => record.Message.Contains(Secret, StringComparison.Ordinal) || record.Exception?.ToString().Contains(Secret, StringComparison.Ordinal) == true);
        Assert.Contains(logs.GetSnapshot(), record => record.Message.Contains("delivered on attempt 2", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(400)]
    [InlineData(302)] // redirects are never followed: they could point the worker inside the network
    public async Task Deliver_ReceiverRefusesOrRedirects_GivesUpWithoutRetry(int status)
    {
        // Arrange
        await using var receiver = await WebhookReceiver.StartAsync(status);
        var logs = new FakeLogCollector();
        await using var app = await StartAsync(WebhookSettings(receiver), logs);
        await app.SubmitAsync("""{"prompt":"hi"}""");
        await app.ProcessNextAsync();

        var message = await NoticeQueue(app).ReceiveOneAsync();

        // Act
        var outcome = await new DeliverNotice(app.Get<WebhookDeliverer>()).Run(message, CancellationToken.None);
        await NoticeQueue(app).DeleteMessageAsync(message.MessageId, message.PopReceipt);

        // Assert
        Assert.Equal(WebhookOutcome.GaveUp, outcome);
        Assert.Equal(0, await NoticeQueue(app).CountAllAsync());
        Assert.Single(receiver.Received);
        Assert.DoesNotContain(logs.GetSnapshot(), record => record.Message.Contains(Secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Worker_WebhookDown_JobStaysCompletedAndNoticeIsGivenUpAfterMaxAttempts()
    {
        // Arrange: the receiver answers 503 every time.
        await using var receiver = await WebhookReceiver.StartAsync(503, 503, 503);
        await using var app = await StartAsync(settings =>
        {
            WebhookSettings(receiver)(settings);
            settings["PromptQueue:Notices:MaxAttempts"] = "3";
        });
        var jobId = await app.SubmitAsync("""{"prompt":"hi"}""");

        // Act
        var processed = await app.ProcessNextAsync();
        var deliver = new DeliverNotice(app.Get<WebhookDeliverer>());
        var outcomes = new List<WebhookOutcome>();
        for (var i = 0; i < 3; i++)
        {
            var message = await NoticeQueue(app).ReceiveOneAsync();
            outcomes.Add(await deliver.Run(message, CancellationToken.None));
            await NoticeQueue(app).DeleteMessageAsync(message.MessageId, message.PopReceipt);
        }

        // Assert
        Assert.Equal(JobOutcome.Completed, processed.Outcome);
        Assert.Equal([WebhookOutcome.RetryScheduled, WebhookOutcome.RetryScheduled, WebhookOutcome.GaveUp], outcomes);
        Assert.Equal(0, await NoticeQueue(app).CountAllAsync());
        Assert.Equal(JobStatus.Completed, (await app.Store.FindAsync(jobId, CancellationToken.None))!.Status);
    }

    [Fact]
    public async Task StandaloneWorker_Webhook_DeliversThroughTheNoticeLoop()
    {
        // Arrange
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = await StartAsync(WebhookSettings(receiver), configureServices: services => services.AddPromptQueueStandaloneWorker());
        await app.SubmitAsync("""{"prompt":"hi"}""");
        await app.ProcessNextAsync();
        var loop = app.Get<NoticeQueueListener>();
        await loop.StartAsync(CancellationToken.None);

        // Act: the loop has done its part once the webhook has the notice and the notice left the queue.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while ((receiver.Received.IsEmpty || await NoticeQueue(app).CountAllAsync() > 0) && !deadline.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), CancellationToken.None);
        }

        await loop.StopAsync(CancellationToken.None);
        await loop.ExecuteTask!;

        // Assert
        Assert.Single(receiver.Received);
        Assert.Equal(0, await NoticeQueue(app).CountAllAsync());
    }

    private static Action<Dictionary<string, string?>> WebhookSettings(WebhookReceiver receiver) => settings =>
    {
        settings["PromptQueue:Notices:WebhookUrl"] = receiver.Url.ToString();
        settings["PromptQueue:Notices:WebhookSecret"] = Secret;
        settings["PromptQueue:Notices:RetryBaseDelay"] = "00:00:00";
        settings["PromptQueue:Listener:MaxPollingInterval"] = "00:00:00.100";
    };

    private async Task<TestApp> StartAsync(
        Action<Dictionary<string, string?>> configure,
        FakeLogCollector? logs = null,
        Action<IServiceCollection>? configureServices = null)
    {
        var suffix = Guid.NewGuid().ToString("N")[..12];
        return await TestApp.StartAsync(
            azurite,
            settings =>
            {
                settings["PromptQueue:Notices:ResultsQueue"] = "results-" + suffix;
                settings["PromptQueue:Notices:NoticeQueue"] = "notices-" + suffix;
                configure(settings);
            },
            configureServices: services =>
            {
                if (logs is not null)
                {
                    services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(logs)));
                }

                configureServices?.Invoke(services);
            });
    }

    private static QueueClient ResultsQueue(TestApp app) => QueueFor(app, app.Get<NoticeQueues>().Results.Name);

    private static QueueClient NoticeQueue(TestApp app) => QueueFor(app, app.Get<NoticeQueues>().Webhook.Name);

    private static QueueClient QueueFor(TestApp app, string name) =>
        new(app.ConnectionString, name, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });
}
