using System.Buffers.Binary;
using System.Security.Cryptography;

namespace PromptQueue.Contracts;

/// <summary>Creates job and batch ids that sort by creation time and cannot be guessed.</summary>
/// <remarks>In Contracts so that the server and a service enqueueing jobs itself name them the same way.</remarks>
public static class JobIds
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
    private const int TimeChars = 10;
    private const int RandomChars = 16;

    /// <summary>"job-", 10 characters of millisecond time, then 16 random characters (80 bits).</summary>
    public static string New(DateTimeOffset now) => New("job-", now);

    /// <summary>"batch-" and the same scheme as a job id: batches sort by creation time, oldest first.</summary>
    public static string NewBatchId(DateTimeOffset now) => New("batch-", now);

    /// <summary>A fresh secret from which <see cref="ForBatchItem"/> derives a batch's job ids.</summary>
    public static byte[] NewBatchSecret() => RandomNumberGenerator.GetBytes(32);

    /// <summary>
    /// The job id of item <paramref name="index"/> of a batch: the batch's time, then 80 bits of HMAC of the index under
    /// the batch's secret. Unguessable without the secret, and the same every time it is computed, so two writers of
    /// the same batch (two timer ticks for one schedule occurrence) write identical items.
    /// </summary>
    public static string ForBatchItem(ReadOnlySpan<byte> batchSecret, DateTimeOffset created, int index)
    {
        Span<byte> message = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(message, index);
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(batchSecret, message, mac);
        return Format("job-", created, mac[..RandomChars]);
    }

    private static string New(string prefix, DateTimeOffset now)
    {
        Span<byte> random = stackalloc byte[RandomChars];
        RandomNumberGenerator.Fill(random);
        return Format(prefix, now, random);
    }

    private static string Format(string prefix, DateTimeOffset time, ReadOnlySpan<byte> randomness)
    {
        Span<char> id = stackalloc char[prefix.Length + TimeChars + RandomChars];
        prefix.AsSpan().CopyTo(id);
        var millis = (ulong)time.ToUnixTimeMilliseconds();
        for (var i = prefix.Length + TimeChars - 1; i >= prefix.Length; i--)
        {
            id[i] = Alphabet[(int)(millis & 31)];
            millis >>= 5;
        }

        for (var i = 0; i < RandomChars; i++)
        {
            id[prefix.Length + TimeChars + i] = Alphabet[randomness[i] & 31];
        }

        return new string(id);
    }
}
