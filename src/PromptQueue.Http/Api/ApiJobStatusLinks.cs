using Microsoft.Extensions.Options;
using PromptQueue.Core.Notices;

namespace PromptQueue.Http.Api;

/// <summary>
/// A job's status URL on this API, for completion notices: the route's path, under <see cref="ApiOptions.PublicBaseUrl"/>
/// when the host is configured with the address its callers use.
/// </summary>
public sealed class ApiJobStatusLinks(IOptions<ApiOptions> options) : IJobStatusLinks
{
    public string JobStatusUrl(string jobId)
    {
        var path = ApiRoutes.JobPath(jobId);
        return options.Value.PublicBaseUrl is { } baseUrl ? baseUrl.AbsoluteUri.TrimEnd('/') + path : path;
    }
}
