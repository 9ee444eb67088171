using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using PromptQueue.Core.Api;
using PromptQueue.Http;

namespace PromptQueue.Functions.Http;

/// <summary><c>GET /api/jobs[?status=&amp;batch=&amp;since=&amp;top=&amp;continuation=]</c>: a page of jobs, newest first.</summary>
public sealed class ListJobs(JobApi jobs)
{
    [Function(nameof(ListJobs))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.Jobs)] HttpRequest request) =>
        await JobEndpoints.ListAsync(jobs, request);
}
