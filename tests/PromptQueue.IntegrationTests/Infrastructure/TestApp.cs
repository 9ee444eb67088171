using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PromptQueue.Core;
using PromptQueue.Core.Batches;
using PromptQueue.Core.Budget;
using PromptQueue.Core.Processing;
using PromptQueue.Core.Storage;
using PromptQueue.Core.Submission;
using PromptQueue.Functions;
using PromptQueue.Simulator;
using PromptQueue.Http;

namespace PromptQueue.IntegrationTests.Infrastructure;

/// <summary>
/// PromptQueue's core services wired exactly as the hosts wire them, against the shared Azurite and a fresh
/// simulator, with a queue and table of its own so tests never see each other's jobs.
/// </summary>
public sealed class TestApp : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private TestApp(ServiceProvider services, OpenRouterSimulator simulator, IConfiguration configuration)
    {
        _services = services;
        Simulator = simulator;
        Configuration = configuration;
    }

    public OpenRouterSimulator Simulator { get; }

    public IConfiguration Configuration { get; }

    public string JobQueueName => Configuration["PromptQueue:JobQueue"]!;

    public JobProcessor Processor => Get<JobProcessor>();

    public JobStore Store => Get<JobStore>();

    public static async Task<TestApp> StartAsync(
        AzuriteFixture azurite,
        Action<Dictionary<string, string?>>? configure = null,
        SimulatorOptions? simulatorOptions = null,
        Action<IServiceCollection>? configureServices = null)
    {
        ArgumentNullException.ThrowIfNull(azurite);
        var simulator = await OpenRouterSimulator.StartAsync(simulatorOptions ?? new SimulatorOptions());
        var suffix = Guid.NewGuid().ToString("N")[..12];
        var settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["PromptQueue:JobQueue"] = "jobs-" + suffix,
            ["PromptQueue:JobTable"] = "Jobs" + suffix,
            ["Budget:Table"] = "Budget" + suffix,
            ["PromptQueue:BatchTable"] = "Batches" + suffix,
            ["PromptQueue:RetryBaseDelay"] = "00:00:01",
            ["OpenRouter:BaseUrl"] = simulator.BaseUrl.ToString(),
        };
        configure?.Invoke(settings);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

        var collection = new ServiceCollection()
            .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .AddSingleton<IConfiguration>(configuration)
            .AddPromptQueueCore(configuration)
            .AddPromptQueueHttpApi();
        configureServices?.Invoke(collection);
        var services = collection.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        var app = new TestApp(services, simulator, configuration);
        await app.Get<JobStore>().EnsureCreatedAsync(CancellationToken.None);
        await app.Get<JobQueueClient>().EnsureCreatedAsync(CancellationToken.None);
        await app.Get<TableBudgetStore>().EnsureCreatedAsync(CancellationToken.None);
        await app.Get<BatchStore>().EnsureCreatedAsync(CancellationToken.None);
        return app;
    }

    public T Get<T>() where T : notnull => _services.GetRequiredService<T>();

    /// <summary>The app's services, for code that resolves its own (an HTTP request's RequestServices).</summary>
    public IServiceProvider Services => _services;

    /// <summary>A client for the job queue that sends and receives text as is, as the trigger reads it.</summary>
    public QueueClient JobQueue(QueueMessageEncoding encoding = QueueMessageEncoding.None) =>
        new(ConnectionString, JobQueueName, new QueueClientOptions { MessageEncoding = encoding });

    public string ConnectionString => Configuration["AzureWebJobsStorage"]!;

    public TableClient JobTable => Get<TableServiceClient>().GetTableClient(Configuration["PromptQueue:JobTable"]);

    /// <summary>Submits a job and returns its id, failing the test if the job is refused.</summary>
    public async Task<string> SubmitAsync(string json)
    {
        var submission = await Get<JobSubmitter>().SubmitAsync(json, JobSources.Http, CancellationToken.None);
        Assert.True(submission.Accepted, string.Join("; ", submission.Errors));
        return submission.JobId!;
    }

    /// <summary>
    /// Does what the Functions host does with the next visible message: invokes the queue trigger with it and, as the
    /// function returned normally, deletes it.
    /// </summary>
    /// <summary>Processes every message visible now, one after another, as <see cref="ProcessNextAsync"/> does with one.</summary>
    public async Task<List<JobProcessingResult>> ProcessVisibleAsync()
    {
        var results = new List<JobProcessingResult>();
        foreach (var message in (await JobQueue().ReceiveMessagesAsync(maxMessages: 32, visibilityTimeout: TimeSpan.FromMinutes(5))).Value)
        {
            results.Add(await new ProcessJob(Processor).Run(message, CancellationToken.None));
            await JobQueue().DeleteMessageAsync(message.MessageId, message.PopReceipt);
        }

        return results;
    }

    public async Task<JobProcessingResult> ProcessNextAsync()
    {
        var message = await JobQueue().ReceiveOneAsync();
        var result = await new ProcessJob(Processor).Run(message, CancellationToken.None);
        await JobQueue().DeleteMessageAsync(message.MessageId, message.PopReceipt);
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await Simulator.DisposeAsync();
    }
}
