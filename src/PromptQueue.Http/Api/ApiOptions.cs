using System.ComponentModel.DataAnnotations;

namespace PromptQueue.Core.Api;

/// <summary>Settings of the HTTP API that both hosts share.</summary>
public sealed class ApiOptions
{
    public const string SectionName = "PromptQueue:Http";

    /// <summary>
    /// The longest long poll (<c>GET /api/jobs/{id}?wait=N</c>); a larger <c>wait</c> is cut to it. Azure's load
    /// balancer ends an HTTP request after 230 s, so the ceiling stays well below that.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:03:20")]
    public TimeSpan MaxWait { get; set; } = TimeSpan.FromSeconds(200);
}
