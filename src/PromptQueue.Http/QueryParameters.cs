using Microsoft.AspNetCore.Http;
using PromptQueue.Core.Listing;

namespace PromptQueue.Http;

/// <summary>Reads query parameters as Core takes them: the text as sent, or null when absent.</summary>
internal static class QueryParameters
{
    public static string? Get(HttpRequest request, string name) => request.Query.TryGetValue(name, out var values) ? values.ToString() : null;

    /// <summary>The parameters of both listings, read alike for <c>GET /api/jobs</c> and <c>GET /api/batches</c>.</summary>
    public static ListParameters List(HttpRequest request) =>
        new(Get(request, "status"), Get(request, "batch"), Get(request, "since"), Get(request, "top"), Get(request, "continuation"));
}
