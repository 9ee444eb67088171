using System.Security.Cryptography;

namespace PromptQueue.Contracts;

/// <summary>Creates job ids that sort by creation time and cannot be guessed.</summary>
/// <remarks>In Contracts so that the server and a service enqueueing jobs itself name them the same way.</remarks>
public static class JobIds
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

    /// <summary>"job-", 10 characters of millisecond time, then 16 random characters (80 bits).</summary>
    public static string New(DateTimeOffset now)
    {
        Span<char> id = stackalloc char[30];
        "job-".AsSpan().CopyTo(id);
        var millis = (ulong)now.ToUnixTimeMilliseconds();
        for (var i = 13; i >= 4; i--)
        {
            id[i] = Alphabet[(int)(millis & 31)];
            millis >>= 5;
        }

        Span<byte> random = stackalloc byte[16];
        RandomNumberGenerator.Fill(random);
        for (var i = 0; i < 16; i++)
        {
            id[14 + i] = Alphabet[random[i] & 31];
        }

        return new string(id);
    }
}
