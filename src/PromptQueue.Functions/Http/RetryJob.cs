using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using PromptQueue.Core.Api;
using PromptQueue.Http;

namespace PromptQueue.Functions.Http;

/// <summary><c>POST /api/jobs/{id}/retry</c>: queue a Failed or DeadLettered job again.</summary>
public sealed class RetryJob(JobApi jobs)
{
    [Function(nameof(RetryJob))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRoutes.RetryJob)] HttpRequest request, string id) =>
        await JobEndpoints.RetryAsync(jobs, request, id);
}
