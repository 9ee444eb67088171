namespace PromptQueue.Simulator;

/// <summary>Bearer-key check; with no key configured every caller is let in, as a local stand-in should.</summary>
internal static class ApiKeyCheck
{
    private const string BearerPrefix = "Bearer ";

    /// <summary>The 401 to send, or null when the caller may proceed.</summary>
    public static CannedReply? Refusal(HttpRequest request, string? requiredKey)
    {
        if (requiredKey is null)
        {
            return null;
        }

        var authorization = request.Headers.Authorization.ToString();
        if (!authorization.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return OpenRouterErrors.MissingAuthentication();
        }

        return string.Equals(authorization[BearerPrefix.Length..].Trim(), requiredKey, StringComparison.Ordinal)
            ? null
            : OpenRouterErrors.UnknownApiKey();
    }
}
