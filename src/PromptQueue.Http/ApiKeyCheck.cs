using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace PromptQueue.Http;

/// <summary>
/// The API key check of <c>promptq serve</c>: the same <c>x-functions-key</c> header the Functions app's function keys
/// use, so one client works against both hosts. In dev mode there is no key and every request passes.
/// </summary>
public sealed class ApiKeyCheck
{
    public const string HeaderName = "x-functions-key";

    /// <summary>Only a hash of the key is kept, and hashes are compared, so the comparison takes the same time whatever the input.</summary>
    private readonly byte[]? _keyHash;

    /// <param name="requiredKey">The key every request must carry, or null to let every request in (dev mode).</param>
    public ApiKeyCheck(string? requiredKey)
    {
        if (requiredKey is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(requiredKey);
            _keyHash = Hash(requiredKey);
        }
    }

    public bool IsKeyRequired => _keyHash is not null;

    public bool Allows(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_keyHash is null)
        {
            return true;
        }

        return request.Headers.TryGetValue(HeaderName, out var values)
            && values.Count == 1
            && CryptographicOperations.FixedTimeEquals(Hash(values.ToString()), _keyHash);
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
