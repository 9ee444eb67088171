using Microsoft.AspNetCore.Http;

namespace PromptQueue.Http;

/// <summary>Reads query parameters as Core takes them: the text as sent, or null when absent.</summary>
internal static class QueryParameters
{
    public static string? Get(HttpRequest request, string name) => request.Query.TryGetValue(name, out var values) ? values.ToString() : null;
}
