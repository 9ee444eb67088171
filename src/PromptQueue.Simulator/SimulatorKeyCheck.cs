namespace PromptQueue.Simulator;

/// <summary>
/// The simulated OpenRouter's bearer-key check (<c>Authorization: Bearer ...</c>); with no key configured every caller is
/// let in, as a local stand-in should. Not the PromptQueue API's key check (<c>PromptQueue.Http.ApiKeyCheck</c>).
/// </summary>
internal static class SimulatorKeyCheck
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
