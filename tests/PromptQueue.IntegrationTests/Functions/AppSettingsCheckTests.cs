using Microsoft.Extensions.Configuration;
using PromptQueue.Functions;

namespace PromptQueue.IntegrationTests.Functions;

public sealed class AppSettingsCheckTests
{
    [Fact]
    public void Require_SettingsTheBindingsNameMissing_FailsNamingEachAndWhatNeedsIt()
    {
        // Arrange: what a user who set only storage and the key would have.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["OpenRouter:ApiKey"] = "sk-or-v1-test",
        }).Build();

        // Act
        var ex = Assert.Throws<InvalidOperationException>(() => AppSettingsCheck.Require(configuration));

        // Assert
        Assert.Contains("PromptQueue__JobQueue is not set (the host reads the queue of ProcessJob and DeadLetterJob from it", ex.Message, StringComparison.Ordinal);
        Assert.Contains("PromptQueue__Notices__NoticeQueue", ex.Message, StringComparison.Ordinal);
        Assert.Contains("PromptQueue__Batches__DispatchSchedule", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("OpenRouter__ApiKey", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Require_ShippedLocalSettings_AreEnough()
    {
        // Arrange: local.settings.json as committed, whose values func start turns into settings.
        using var file = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "local.settings.json")));
        var values = file.RootElement.GetProperty("Values").EnumerateObject().ToDictionary(p => p.Name.Replace("__", ":", StringComparison.Ordinal), p => (string?)p.Value.GetString());
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();

        // Act
        var ex = Record.Exception(() => AppSettingsCheck.Require(configuration));

        // Assert
        Assert.Null(ex);
    }
}
