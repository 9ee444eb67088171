using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using PromptQueue.Core.Api;
using PromptQueue.Http;

namespace PromptQueue.Functions.Http;

/// <summary><c>POST /api/jobs</c>: submit a job.</summary>
public sealed class SubmitJob(JobApi jobs)
{
    [Function(nameof(SubmitJob))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRoutes.Jobs)] HttpRequest request) =>
        await JobEndpoints.SubmitAsync(jobs, request);
}
