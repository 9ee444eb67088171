using System.ComponentModel.DataAnnotations;
using PromptQueue.Core.Notices;

namespace PromptQueue.Core.Tests.Notices;

public sealed class NoticeOptionsTests
{
    private const string Secret = "whsec-0123456789abcdef";

    [Fact]
    public void Sign_KnownVector_MatchesOpenSsl()
    {
        // Arrange: printf '%s' '1700000000.{"job_id":"j1"}' | openssl dgst -sha256 -hmac 'whsec-0123456789abcdef'
        const string expected = "sha256=84872fe14c00481eb512ad38249b7aa2f67a660a50731d256c793bac1c0f3302";

        // Act
        var signature = WebhookSignature.Sign(Secret, 1_700_000_000, """{"job_id":"j1"}""");

        // Assert
        Assert.Equal(expected, signature);
        Assert.True(WebhookSignature.Verify(Secret, 1_700_000_000, """{"job_id":"j1"}""", signature));
        Assert.False(WebhookSignature.Verify(Secret, 1_700_000_001, """{"job_id":"j1"}""", signature));
    }

    [Theory]
    [InlineData("https://hooks.example.com/pq", Secret, true)]
    [InlineData("http://127.0.0.1:8080/hook", Secret, true)]
    [InlineData("http://localhost/hook", Secret, true)]
    [InlineData("http://hooks.example.com/pq", Secret, false)]
    [InlineData("ftp://hooks.example.com/pq", Secret, false)]
    [InlineData("/relative", Secret, false)]
    [InlineData("https://hooks.example.com/pq", "short-secret", false)]
    [InlineData("https://hooks.example.com/pq", null, false)]
    [InlineData(null, null, true)]
    public void Validate_WebhookSettings_AcceptOnlyHttpsOrLoopbackWithALongSecret(string? url, string? secret, bool valid)
    {
        // Arrange
        var options = new NoticeOptions { WebhookUrl = url, WebhookSecret = secret };
        var results = new List<ValidationResult>();

        // Act
        var ok = Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);

        // Assert
        Assert.Equal(valid, ok);
        Assert.All(results, r => Assert.DoesNotContain(secret ?? "\0", r.ErrorMessage, StringComparison.Ordinal));
    }
}
