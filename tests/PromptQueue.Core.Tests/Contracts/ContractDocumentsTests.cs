using System.Reflection;
using System.Text.Json;
using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;

namespace PromptQueue.Core.Tests.Contracts;

/// <summary>The schema file and the samples are documentation; these tests keep them true to the code.</summary>
public sealed class ContractDocumentsTests
{
    private static readonly string RepoRoot = Repository.Root;

    [Fact]
    public void Schema_Properties_MatchTheContractFieldsAndLimits()
    {
        // Arrange
        using var schema = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoRoot, "schemas", "prompt-job.v1.schema.json")));
        var properties = schema.RootElement.GetProperty("properties");
        var limits = new JobLimits();

        // Act
        var schemaFields = properties.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal);
        var contractFields = WireNames(typeof(PromptJob)).Order(StringComparer.Ordinal);
        var messageFields = schema.RootElement.GetProperty("$defs").GetProperty("message").GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal);

        // Assert
        Assert.Equal(contractFields, schemaFields);
        Assert.Equal(WireNames(typeof(PromptMessage)).Order(StringComparer.Ordinal), messageFields);
        Assert.Equal(limits.MaxMessages, properties.GetProperty("messages").GetProperty("maxItems").GetInt32());
        Assert.Equal(limits.MaxTextChars, properties.GetProperty("prompt").GetProperty("maxLength").GetInt32());
        Assert.Equal(limits.MaxTextChars, properties.GetProperty("system").GetProperty("maxLength").GetInt32());
        Assert.Equal(limits.MaxTextChars, properties.GetProperty("user").GetProperty("maxLength").GetInt32());
        var message = schema.RootElement.GetProperty("$defs").GetProperty("message").GetProperty("properties");
        Assert.Equal(limits.MaxTextChars, message.GetProperty("content").GetProperty("oneOf")[0].GetProperty("maxLength").GetInt32());
        Assert.Equal(limits.MaxMessages, message.GetProperty("content").GetProperty("oneOf")[1].GetProperty("maxItems").GetInt32());
        Assert.Equal(limits.MaxTextChars, message.GetProperty("name").GetProperty("maxLength").GetInt32());
        Assert.Equal(limits.MaxTextChars, message.GetProperty("tool_call_id").GetProperty("maxLength").GetInt32());
        Assert.Equal(limits.MaxTools, properties.GetProperty("tools").GetProperty("maxItems").GetInt32());
        Assert.Equal(limits.MaxFallbackModels, properties.GetProperty("models").GetProperty("maxItems").GetInt32());
        Assert.Equal(limits.MaxMetadataEntries, properties.GetProperty("metadata").GetProperty("maxProperties").GetInt32());
        Assert.Equal(PromptJobReader.MaxIdLength, properties.GetProperty("id").GetProperty("maxLength").GetInt32());
        Assert.Equal(properties.GetProperty("id").GetProperty("pattern").GetString(), properties.GetProperty("parent_job_id").GetProperty("pattern").GetString());
        Assert.Equal(PromptJobReader.MaxIdLength, properties.GetProperty("parent_job_id").GetProperty("maxLength").GetInt32());
        Assert.Equal(
            WireNames(typeof(ReasoningSettings)).Order(StringComparer.Ordinal),
            properties.GetProperty("reasoning").GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(PromptJobReader.MaxTopLogprobs, properties.GetProperty("top_logprobs").GetProperty("maximum").GetInt32());
        Assert.Equal(
            WireNames(typeof(NotifySettings)).Order(StringComparer.Ordinal),
            properties.GetProperty("notify").GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(PromptJobReader.MaxStopSequences, properties.GetProperty("stop").GetProperty("oneOf")[1].GetProperty("maxItems").GetInt32());
    }

    [Fact]
    public void OpenApi_PromptJobComponent_ListsEveryContractField()
    {
        // Arrange
        using var openApi = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoRoot, "src", "PromptQueue.Http", "openapi.json")));
        var component = openApi.RootElement.GetProperty("components").GetProperty("schemas").GetProperty("PromptJob");

        // Act
        var documented = component.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal);
        var reasoning = component.GetProperty("properties").GetProperty("reasoning").GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal);

        // Assert
        Assert.Equal(WireNames(typeof(PromptJob)).Order(StringComparer.Ordinal), documented);
        Assert.Equal(WireNames(typeof(ReasoningSettings)).Order(StringComparer.Ordinal), reasoning);
    }

    [Fact]
    public void OpenApi_ListingComponents_ListEveryWireField()
    {
        // Arrange
        using var openApi = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoRoot, "src", "PromptQueue.Http", "openapi.json")));
        var schemas = openApi.RootElement.GetProperty("components").GetProperty("schemas");

        // Act
        IEnumerable<string> Documented(string component) =>
            schemas.GetProperty(component).GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal);

        // Assert
        Assert.Equal(WireNames(typeof(JobListItem)).Order(StringComparer.Ordinal), Documented("JobListItem"));
        Assert.Equal(WireNames(typeof(ListPage<JobListItem>)).Order(StringComparer.Ordinal), Documented("JobListPage"));
        Assert.Equal(WireNames(typeof(ListPage<BatchView>)).Order(StringComparer.Ordinal), Documented("BatchListPage"));
    }

    [Fact]
    public void OpenApi_WaitReason_ListsEveryValueWithItsDescription()
    {
        // Arrange
        using var openApi = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoRoot, "src", "PromptQueue.Http", "openapi.json")));
        var schemas = openApi.RootElement.GetProperty("components").GetProperty("schemas");
        var component = schemas.GetProperty("WaitReason");

        // Act
        var documented = component.GetProperty("enum").EnumerateArray().Select(v => v.GetString()).ToList();
        var descriptions = component.GetProperty("x-enumDescriptions").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        var jobViewField = schemas.GetProperty("JobView").GetProperty("properties").GetProperty("wait_reason").GetProperty("oneOf")[0].GetProperty("$ref").GetString();

        // Assert
        Assert.Equal(Enum.GetNames<WaitReason>(), documented);
        Assert.Equal(Enum.GetValues<WaitReason>().ToDictionary(r => r.ToString(), r => (string?)r.Describe()), descriptions);
        Assert.Equal("#/components/schemas/WaitReason", jobViewField);
    }

    [Fact]
    public void Samples_EveryLine_IsAValidJob()
    {
        // Arrange
        var lines = File.ReadAllLines(Path.Combine(RepoRoot, "samples", "prompts.jsonl")).Where(l => l.Length > 0).ToList();

        // Act
        var results = lines.Select(line => PromptJobReader.Read(line, new JobLimits())).ToList();

        // Assert
        Assert.NotEmpty(results);
        Assert.All(results, r => Assert.True(r.IsValid, r.Describe()));
    }

    private static IEnumerable<string> WireNames(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => p.GetCustomAttribute<System.Text.Json.Serialization.JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name));
}
