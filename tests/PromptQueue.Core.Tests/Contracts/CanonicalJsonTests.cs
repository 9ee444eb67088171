using System.Text.Json;
using PromptQueue.Contracts;

namespace PromptQueue.Core.Tests.Contracts;

public sealed class CanonicalJsonTests
{
    [Theory]
    [InlineData("""{"prompt":"Hi","temperature":1,"metadata":{"a":"1","b":"2"}}""", """ { "metadata" : { "b":"2", "a":"1" },"temperature": 1.0,  "prompt":"Hi" } """)]
    [InlineData("""{"prompt":"caf\u00e9","temperature":1}""", """{"temperature":1e0,"prompt":"café"}""")]
    [InlineData("""{"prompt":"x","tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","maxItems":10}}}]}""", """{"prompt":"x","tools":[{"function":{"parameters":{"maxItems":1.0e1,"type":"object"},"name":"f"},"type":"function"}]}""")]
    [InlineData("""{"prompt":"x","stop":["a","b"]}""", "{\n  \"stop\": [\"a\", \"b\"],\n  \"prompt\": \"x\"\n}")]
    public void Hash_SameJobSerialisedDifferently_IsTheSame(string one, string other)
    {
        // Act
        var (first, second) = (HashOf(one), HashOf(other));

        // Assert
        Assert.Equal(first, second);
        Assert.StartsWith(CanonicalJson.HashPrefix, first, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"prompt":"Hi"}""", """{"prompt":"hi"}""")]
    [InlineData("""{"prompt":"x","stop":["a","b"]}""", """{"prompt":"x","stop":["b","a"]}""")]
    [InlineData("""{"prompt":"x","seed":9007199254740993}""", """{"prompt":"x","seed":9007199254740992}""")]
    [InlineData("""{"prompt":"x","tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}]}""", """{"prompt":"x","tools":[{"type":"function","function":{"name":"g","parameters":{"type":"object"}}}]}""")]
    public void Hash_DifferentJobs_Differ(string one, string other)
    {
        // Act
        var (first, second) = (HashOf(one), HashOf(other));

        // Assert
        Assert.NotEqual(first, second);
    }

    [Theory]
    [InlineData("""{"prompt":"x","temperature":0.1}""", """{"prompt":"x","temperature":0.10000000000000001}""")]
    [InlineData("""{"prompt":"x","tools":null}""", """{"prompt":"x"}""")]
    [InlineData("""{"prompt":"x","max_tokens":100,"seed":7}""", """{"prompt":"x","max_tokens":100.0,"seed":7e0}""")]
    [InlineData("""{"prompt":"x","provider":{"order":["a"],"sort":"price"}}""", """{"provider":{"sort":"price","order":["a"]},"prompt":"x"}""")]
    public void Hash_JobsTheWorkerSendsAlike_AreTheSame(string one, string other)
    {
        // Act
        var (first, second) = (HashOf(one), HashOf(other));

        // Assert
        Assert.Equal(first, second);
    }

    private static string HashOf(string json) => CanonicalJson.Hash(JsonSerializer.Deserialize<PromptJob>(json, ContractJson.Options)!);
}
