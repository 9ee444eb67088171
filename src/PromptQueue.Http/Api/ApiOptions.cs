using System.ComponentModel.DataAnnotations;

namespace PromptQueue.Http.Api;

/// <summary>Settings of the HTTP API that both hosts share.</summary>
public sealed class ApiOptions : IValidatableObject
{
    public const string SectionName = "PromptQueue:Http";

    /// <summary>
    /// The longest long poll (<c>GET /api/jobs/{id}?wait=N</c>); a larger <c>wait</c> is cut to it. Azure's load
    /// balancer ends an HTTP request after 230 s, so the ceiling stays well below that.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:03:20")]
    public TimeSpan MaxWait { get; set; } = TimeSpan.FromSeconds(200);

    /// <summary>
    /// The address callers reach this API at (for example <c>https://promptqueue.example.com</c>), when it should appear in
    /// completion notices: a notice's <c>status_url</c> is then absolute. Unset, it is the job's path, relative to
    /// wherever the receiver reaches the API.
    /// </summary>
    public Uri? PublicBaseUrl { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (PublicBaseUrl is { } url && (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(url.Query) || !string.IsNullOrEmpty(url.Fragment)))
        {
            yield return new ValidationResult(
                $"PromptQueue:Http:PublicBaseUrl must be an absolute http or https URL without a query or fragment, such as https://promptqueue.example.com; '{url}' is not",
                [nameof(PublicBaseUrl)]);
        }
    }
}
