using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PromptQueue.Http;
using PromptQueue.Core;
using PromptQueue.Hosting.Worker;

namespace PromptQueue.Hosting.Tests.Worker;

/// <summary>Which hosts run the standalone worker, and how long a stop waits for its jobs.</summary>
public sealed class StandaloneWorkerServiceCollectionExtensionsTests
{
    private static readonly Type[] Workers =
        [typeof(JobQueueListener), typeof(NoticeQueueListener), typeof(BatchDispatchLoop), typeof(RetentionLoop), typeof(StrandedJobSweepLoop)];

    [Fact]
    public void AddPromptQueueStandaloneWorker_WithHost_RegistersEachWorkerOnceAsTheHostedServiceTheCommandsSee()
    {
        // Arrange
        using var services = Build(services => services.AddPromptQueueStandaloneWorker(WorkerStart.WithHost));

        // Act
        var hosted = WorkersAmong(services.GetServices<IHostedService>());

        // Assert: the listener the host runs is the one whose StopNow the second Ctrl+C calls.
        Assert.Equal(Workers.Order(TypeNames.Instance), hosted.Select(worker => worker.GetType()).Order(TypeNames.Instance));
        Assert.Same(services.GetRequiredService<StandaloneWorkers>().Jobs, Assert.Single(hosted.OfType<JobQueueListener>()));
    }

    [Fact]
    public void AddPromptQueueStandaloneWorker_ByCaller_RegistersTheWorkersForTheCallerOnly()
    {
        // Arrange
        using var services = Build(services => services.AddPromptQueueStandaloneWorker(WorkerStart.ByCaller));

        // Act
        var hosted = WorkersAmong(services.GetServices<IHostedService>());

        // Assert
        Assert.Empty(hosted);
        Assert.Same(services.GetRequiredService<JobQueueListener>(), services.GetRequiredService<StandaloneWorkers>().Jobs);
    }

    [Fact]
    public void AddPromptQueueCore_AsTheFunctionsAppWiresIt_RegistersNoWorker()
    {
        // Arrange: the Functions app's wiring, whose triggers do this work.
        using var services = Build(services => services.AddPromptQueueTelemetry(new ConfigurationBuilder().Build()));

        // Act
        var hosted = WorkersAmong(services.GetServices<IHostedService>());

        // Assert
        Assert.Empty(hosted);
        Assert.Null(services.GetService<JobQueueListener>());
    }

    [Fact]
    public void HostOptions_ShutdownGraceSet_IsTheHostsShutdownTimeout()
    {
        // Arrange
        using var services = Build(services => services.AddPromptQueueStandaloneWorker(), new() { ["PromptQueue:Listener:ShutdownGrace"] = "00:05:00" });

        // Act
        var options = services.GetRequiredService<IOptions<HostOptions>>().Value;

        // Assert
        Assert.Equal(TimeSpan.FromMinutes(5), options.ShutdownTimeout);
        Assert.Equal(TimeSpan.FromMinutes(5), services.GetRequiredService<StandaloneWorkers>().ShutdownTimeout);
    }

    [Fact]
    public void HostOptions_ShutdownGraceUnset_IsTheHostsDefault()
    {
        // Arrange
        using var services = Build(services => services.AddPromptQueueStandaloneWorker());

        // Act
        var options = services.GetRequiredService<IOptions<HostOptions>>().Value;

        // Assert
        Assert.Equal(new HostOptions().ShutdownTimeout, options.ShutdownTimeout);
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("-00:00:01")]
    public void HostOptions_ShutdownGraceNotATimeSpan_FailsNamingTheSetting(string value)
    {
        // Arrange
        using var services = Build(services => services.AddPromptQueueStandaloneWorker(), new() { ["PromptQueue:Listener:ShutdownGrace"] = value });

        // Act
        var ex = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<HostOptions>>().Value);

        // Assert
        Assert.Contains("PromptQueue:Listener:ShutdownGrace", ex.Message, StringComparison.Ordinal);
        Assert.Contains(value, ex.Message, StringComparison.Ordinal);
    }

    private static List<IHostedService> WorkersAmong(IEnumerable<IHostedService> hosted) =>
        hosted.Where(service => service.GetType().Namespace == typeof(JobQueueListener).Namespace).ToList();

    /// <summary>PromptQueue's core services and HTTP API, as both hosts wire them, on the local emulator's settings (nothing connects), plus <paramref name="configure"/>.</summary>
    private static ServiceProvider Build(Action<IServiceCollection> configure, Dictionary<string, string?>? settings = null)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true" })
            .AddInMemoryCollection(settings ?? [])
            .Build();
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IConfiguration>(configuration)
            .AddPromptQueueCore(configuration)
            .AddPromptQueueHttpApi();
        configure(services);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    private sealed class TypeNames : IComparer<Type>
    {
        public static readonly TypeNames Instance = new();

        public int Compare(Type? x, Type? y) => string.CompareOrdinal(x?.FullName, y?.FullName);
    }
}
