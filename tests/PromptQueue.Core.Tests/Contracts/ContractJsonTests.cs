using System.Text.Json;
using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;

namespace PromptQueue.Core.Tests.Contracts;

public sealed class ContractJsonTests
{
    [Fact]
    public void Serialize_TextInAnyLanguageAndQuotes_StaysReadable()
    {
        // Arrange
        var view = new BatchResultLine { Index = 0, JobId = "job-1", CustomId = "grüße", Status = JobStatus.Completed, Answer = "Sie sagte \"für\" – 東京 <b>&</b>" };

        // Act
        var json = JsonSerializer.Serialize(view, ContractJson.Options);

        // Assert
        Assert.Contains("\"custom_id\":\"grüße\"", json, StringComparison.Ordinal);
        Assert.Contains("Sie sagte \\\"für\\\" – 東京 <b>&</b>", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Serialize_ControlCharacters_AreStillEscaped()
    {
        // Act
        var json = JsonSerializer.Serialize("line\nbreak\ttab\u0001", ContractJson.Options);

        // Assert
        Assert.Equal("\"line\\nbreak\\ttab\\u0001\"", json);
    }

    [Theory]
    [InlineData("""{"prompt":"x","max_tokens":1e20}""")]
    [InlineData("""{"prompt":"x","max_tokens":4294967296.0}""")]
    [InlineData("""{"prompt":"x","seed":1e25}""")]
    public void Deserialize_WholeNumberOutOfRange_IsAJsonErrorNotAnOverflow(string json)
    {
        // Act
        var thrown = Record.Exception(() => JsonSerializer.Deserialize<PromptJob>(json, ContractJson.Options));

        // Assert: callers that handle bad JSON (JsonException) handle this too.
        Assert.IsType<JsonException>(thrown);
    }
}
