using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using PromptQueue.Core.Api;
using PromptQueue.Http;

namespace PromptQueue.Functions.Http;

/// <summary><c>GET /api/jobs/{id}/reasoning</c>: stream a job's reasoning trace.</summary>
public sealed class GetJobReasoning(JobApi jobs)
{
    [Function(nameof(GetJobReasoning))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.JobReasoning)] HttpRequest request, string id) =>
        await JobEndpoints.GetReasoningAsync(jobs, request, id);
}
