using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using PromptQueue.Http;
using PromptQueue.Http.Api;

namespace PromptQueue.Functions.Http;

/// <summary>The job routes under <c>/api/jobs</c>: each function binds its trigger and hands the request to <see cref="JobEndpoints"/>.</summary>
public sealed class JobFunctions(JobApi jobs)
{
    /// <summary><c>POST /api/jobs</c>: submit a job.</summary>
    [Function("SubmitJob")]
    public async Task<IActionResult> SubmitAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRoutes.Jobs)] HttpRequest request) =>
        await JobEndpoints.SubmitAsync(jobs, request);

    /// <summary><c>GET /api/jobs[?status=&amp;batch=&amp;since=&amp;top=&amp;continuation=]</c>: a page of jobs, newest first.</summary>
    [Function("ListJobs")]
    public async Task<IActionResult> ListAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.Jobs)] HttpRequest request) =>
        await JobEndpoints.ListAsync(jobs, request);

    /// <summary><c>GET /api/jobs/{id}[?wait=N]</c>: read a job, long-polling until it finishes.</summary>
    [Function("GetJob")]
    public async Task<IActionResult> GetAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.Job)] HttpRequest request, string id) =>
        await JobEndpoints.GetAsync(jobs, request, id);

    /// <summary><c>GET /api/jobs/{id}/reasoning</c>: stream a job's reasoning trace.</summary>
    [Function("GetJobReasoning")]
    public async Task<IActionResult> GetReasoningAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ApiRoutes.JobReasoning)] HttpRequest request, string id) =>
        await JobEndpoints.GetReasoningAsync(jobs, request, id);

    /// <summary><c>POST /api/jobs/{id}/cancel</c>: cancel a Queued or Waiting job.</summary>
    [Function("CancelJob")]
    public async Task<IActionResult> CancelAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRoutes.CancelJob)] HttpRequest request, string id) =>
        await JobEndpoints.CancelAsync(jobs, request, id);

    /// <summary><c>POST /api/jobs/{id}/retry</c>: queue a Failed or DeadLettered job again.</summary>
    [Function("RetryJob")]
    public async Task<IActionResult> RetryAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRoutes.RetryJob)] HttpRequest request, string id) =>
        await JobEndpoints.RetryAsync(jobs, request, id);
}
