using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using PromptQueue.Core.Api;
using PromptQueue.Http;

namespace PromptQueue.Functions.Http;

/// <summary><c>GET /api/jobs/{id}[?wait=N]</c>: read a job, long-polling until it finishes.</summary>
public sealed class GetJob(JobApi jobs)
{
    [Function(nameof(GetJob))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.Job)] HttpRequest request, string id) =>
        await JobEndpoints.GetAsync(jobs, request, id);
}
