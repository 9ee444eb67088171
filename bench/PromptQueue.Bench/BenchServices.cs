using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using PromptQueue.Core;
using PromptQueue.Hosting.Worker;
using PromptQueue.Simulator;
using PromptQueue.Http;

namespace PromptQueue.Bench;

/// <summary>Builds one worker process's services, wired as the standalone host wires them.</summary>
internal static class BenchServices
{
    public static string NewSuffix() => Guid.NewGuid().ToString("N")[..10];

    /// <summary>Settings every instance of one run shares: the storage account, the queue, the tables, the API.</summary>
    public static Dictionary<string, string?> Settings(string storage, OpenRouterSimulator simulator, string suffix) => new()
    {
        ["AzureWebJobsStorage"] = storage,
        ["PromptQueue:JobQueue"] = "jobs-" + suffix,
        ["PromptQueue:JobTable"] = "Jobs" + suffix,
        ["Budget:Table"] = "Budget" + suffix,
        ["OpenRouter:BaseUrl"] = simulator.BaseUrl.ToString(),
    };

    /// <summary>
    /// One process: its own service provider, so its own HTTP connections, budget client and listener. Logging is
    /// off (the table is the output), except for counting the processor's deferrals when asked to. With
    /// <paramref name="operations"/>, its storage clients count every request they send.
    /// </summary>
    public static ServiceProvider Build(IReadOnlyDictionary<string, string?> settings, DeferralCounter? deferrals = null, StorageOperationCounter? operations = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection()
            .AddLogging(logging => deferrals?.AddTo(logging))
            .AddSingleton<IConfiguration>(configuration);
        if (operations is not null)
        {
            // Registered before the product's own, which it then leaves alone (it adds its clients with TryAdd).
            var storage = settings["AzureWebJobsStorage"]!;
            services.AddSingleton(operations.Queues(storage)).AddSingleton(operations.Tables(storage));
        }

        services
            .AddPromptQueueCore(configuration)
            .AddPromptQueueHttpApi();
        services.AddJobQueueListener();
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }
}
