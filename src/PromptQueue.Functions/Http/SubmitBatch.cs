using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using PromptQueue.Core.Api;
using PromptQueue.Http;

namespace PromptQueue.Functions.Http;

/// <summary><c>POST /api/batches</c>: store a batch of jobs (JSON array or JSONL) for the dispatcher to release at the budget's pace.</summary>
public sealed class SubmitBatch(BatchApi batches)
{
    [Function(nameof(SubmitBatch))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ApiRoutes.Batches)] HttpRequest request) =>
        await BatchEndpoints.SubmitAsync(batches, request);
}
