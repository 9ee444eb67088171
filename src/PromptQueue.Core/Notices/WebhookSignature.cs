using System.Security.Cryptography;
using System.Text;

namespace PromptQueue.Core.Notices;

/// <summary>
/// The webhook signature: <c>sha256=</c> and the lowercase hex HMAC-SHA256, keyed with the UTF-8 secret, of the
/// UTF-8 string <c>{timestamp}.{body}</c>, where timestamp is the <c>X-PromptQueue-Timestamp</c> header (unix seconds)
/// and body is the raw request body. Signing the timestamp lets a receiver refuse old deliveries replayed later.
/// </summary>
public static class WebhookSignature
{
    public const string TimestampHeader = "X-PromptQueue-Timestamp";
    public const string SignatureHeader = "X-PromptQueue-Signature";
    public const string DeliveryHeader = "X-PromptQueue-Delivery";
    public const string Prefix = "sha256=";

    public static string Sign(string secret, long unixSeconds, string body)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentNullException.ThrowIfNull(body);
        var signed = Encoding.UTF8.GetBytes(unixSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) + "." + body);
        return Prefix + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    }

    /// <summary>What a receiver does: recompute and compare in constant time.</summary>
    public static bool Verify(string secret, long unixSeconds, string body, string signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        return CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(Sign(secret, unixSeconds, body)),
            Encoding.ASCII.GetBytes(signature));
    }
}
