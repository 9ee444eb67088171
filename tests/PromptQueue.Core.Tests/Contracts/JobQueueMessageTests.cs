using System.Text;
using PromptQueue.Contracts;

namespace PromptQueue.Core.Tests.Contracts;

public sealed class JobQueueMessageTests
{
    [Fact]
    public void Decode_PlainReference_ReturnsTheJobId()
    {
        // Act
        var message = JobQueueMessage.Decode(JobQueueMessage.CreateReference("job-123"));

        // Assert
        Assert.Equal(JobMessageKind.Reference, message.Kind);
        Assert.Equal("job-123", message.JobId);
    }

    [Fact]
    public void Decode_Base64Reference_ReturnsTheJobId()
    {
        // Arrange
        var body = Convert.ToBase64String(Encoding.UTF8.GetBytes("""{"v":1,"jobId":"job-9"}"""));

        // Act
        var message = JobQueueMessage.Decode(body);

        // Assert
        Assert.Equal(JobMessageKind.Reference, message.Kind);
        Assert.Equal("job-9", message.JobId);
    }

    [Theory]
    [InlineData("""  {"prompt":"hello"}  """)]
    [InlineData("eyJwcm9tcHQiOiJoZWxsbyJ9")]
    public void Decode_InlineJobPlainOrBase64_ReturnsItsJson(string body)
    {
        // Act
        var message = JobQueueMessage.Decode(body);

        // Assert
        Assert.Equal(JobMessageKind.Inline, message.Kind);
        Assert.Equal("""{"prompt":"hello"}""", Encoding.UTF8.GetString(message.Json.Span).Trim());
    }

    [Theory]
    [InlineData("", "the message is empty")]
    [InlineData("hello world", "the message is neither a JSON object nor base64-encoded JSON")]
    [InlineData("aGVsbG8=", "the message is neither a JSON object nor base64-encoded JSON")]
    [InlineData("""{"jobId":42}""", "'jobId' must be a job id string")]
    public void Decode_UnreadableBody_SaysWhy(string body, string error)
    {
        // Act
        var message = JobQueueMessage.Decode(body);

        // Assert
        Assert.Equal(JobMessageKind.Unreadable, message.Kind);
        Assert.Equal(error, message.Error);
    }

    [Fact]
    public void Decode_MalformedInlineJson_IsLeftToTheJobReaderToDescribe()
    {
        // Act
        var message = JobQueueMessage.Decode("""{"prompt": """);

        // Assert
        Assert.Equal(JobMessageKind.Inline, message.Kind);
        Assert.StartsWith("not valid JSON", PromptJobReader.Read(message.Json.Span, new JobLimits()).Errors[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_InlineJobWithTraceContext_KeepsItForTheMessageAndReadsTheJobWithoutIt()
    {
        // Arrange
        const string body = """{"prompt":"Grüße","traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01","tracestate":"vendor=1"}""";

        // Act
        var message = JobQueueMessage.Decode(body);

        // Assert
        Assert.Equal(JobMessageKind.Inline, message.Kind);
        Assert.Equal(("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "vendor=1"), (message.TraceParent, message.TraceState));
        Assert.Equal("""{"prompt":"Grüße"}""", System.Text.Encoding.UTF8.GetString(message.Json.Span));
        Assert.True(PromptJobReader.Read(message.Json.Span, new JobLimits()).IsValid);
    }

    [Fact]
    public void CreateReference_WithTraceContext_RoundTrips()
    {
        // Act
        var message = JobQueueMessage.Decode(JobQueueMessage.CreateReference("job-1", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));

        // Assert
        Assert.Equal((JobMessageKind.Reference, "job-1", null), (message.Kind, message.JobId, message.WatchedClaim));
        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", message.TraceParent);
    }

    [Fact]
    public void CreateWatch_NamesTheClaimItWatches()
    {
        // Act
        var message = JobQueueMessage.Decode(JobQueueMessage.CreateWatch("job-1", "claim-7"));

        // Assert
        Assert.Equal((JobMessageKind.Reference, "job-1", "claim-7"), (message.Kind, message.JobId, message.WatchedClaim));
    }
}
