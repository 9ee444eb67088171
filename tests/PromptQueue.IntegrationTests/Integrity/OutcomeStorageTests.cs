using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using PromptQueue.Contracts;
using PromptQueue.Core.Processing;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Integrity;

/// <summary>An answer in hand is stored, not thrown away, when storage is briefly unreachable as it arrives.</summary>
[Collection(AzuriteTests.Name)]
public sealed class OutcomeStorageTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Process_StorageUnreachableAsTheAnswerArrives_StoresItOnceStorageIsBackWithoutCallingAgain()
    {
        // Arrange: once the simulator has the call, the next job-row writes fail as an outage does, three times.
        var outage = new Outage(failures: 3);
        await using var app = await TestApp.StartAsync(azurite, configureServices: services => services.AddSingleton(sp =>
        {
            var options = new TableClientOptions();
            options.AddPolicy(outage, HttpPipelinePosition.PerCall);
            return new TableServiceClient(sp.GetRequiredService<IConfiguration>()["AzureWebJobsStorage"], options);
        }));
        var jobId = await app.SubmitAsync("""{"prompt":"answered during an outage [[sim:latency-ms=200]]"}""");
        var message = await app.JobQueue().ReceiveOneAsync();
        var processing = app.Processor.ProcessAsync(new JobDelivery(message.Body.ToString(), message.MessageId), CancellationToken.None);
        await WaitUntilAsync(() => app.Simulator.ChatRequestCount == 1);
        outage.Begin();

        // Act
        var result = await processing;

        // Assert
        Assert.Equal(3, outage.Refused);
        Assert.Equal(new JobProcessingResult(jobId, JobOutcome.Completed), result);
        var job = (await app.Get<PromptQueue.Core.Submission.JobResults>().GetAsync(jobId, CancellationToken.None))!;
        Assert.Equal((JobStatus.Completed, 1), (job.Record.Status, job.Record.Attempts));
        Assert.False(string.IsNullOrEmpty(job.Answer));
        Assert.Equal(1, app.Simulator.ChatRequestCount);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            Assert.False(deadline.IsCancellationRequested, "the condition never came true");
            await Task.Delay(TimeSpan.FromMilliseconds(10), CancellationToken.None);
        }
    }

    /// <summary>Once begun, refuses the next transactions (job-row writes) as an unreachable service would.</summary>
    private sealed class Outage(int failures) : HttpPipelineSynchronousPolicy
    {
        private int _begun;
        private int _refused;

        public int Refused => Volatile.Read(ref _refused);

        public void Begin() => Volatile.Write(ref _begun, 1);

        public override void OnSendingRequest(HttpMessage message)
        {
            if (Volatile.Read(ref _begun) == 0 || !message.Request.Uri.Path.EndsWith("$batch", StringComparison.Ordinal))
            {
                return;
            }

            if (Interlocked.Increment(ref _refused) <= failures)
            {
                throw new RequestFailedException(0, "Connection refused (simulated outage)");
            }

            Interlocked.Decrement(ref _refused);
        }
    }
}
