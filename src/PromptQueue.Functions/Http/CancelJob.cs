using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using PromptQueue.Core.Api;
using PromptQueue.Http;

namespace PromptQueue.Functions.Http;

/// <summary><c>POST /api/jobs/{id}/cancel</c>: cancel a Queued or Waiting job.</summary>
public sealed class CancelJob(JobApi jobs)
{
    [Function(nameof(CancelJob))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRoutes.CancelJob)] HttpRequest request, string id) =>
        await JobEndpoints.CancelAsync(jobs, request, id);
}
