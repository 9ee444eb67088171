using System.Globalization;
using Microsoft.Extensions.Options;
using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;
using PromptQueue.Core.Batches;
using PromptQueue.Core.Listing;

namespace PromptQueue.Http.Api;

/// <summary>
/// The batch routes of the HTTP API, framework-free: each method is one route, and a host writes out the
/// <see cref="ApiResponse"/> it returns.
/// </summary>
public sealed class BatchApi(
    BatchSubmitter submitter,
    BatchControl control,
    BatchExporter exporter,
    BatchListing listing,
    IOptions<BatchOptions> options,
    TimeProvider time)
{
    public const string NdjsonContentType = "application/x-ndjson";

    /// <summary><c>POST /api/batches</c>: a JSON array or JSONL of v1 jobs, each with an optional <c>custom_id</c>.</summary>
    /// <param name="body">The request body, read once, as a stream.</param>
    /// <param name="contentLength">The declared length, if any: a body declared too large is refused unread.</param>
    /// <param name="cancellationToken">Stops reading and writing.</param>
    public async Task<ApiResponse> SubmitAsync(Stream body, long? contentLength, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (contentLength > options.Value.MaxBodyBytes)
        {
            return TooLarge($"the body is {contentLength} bytes; a batch may be at most {options.Value.MaxBodyBytes} bytes");
        }

        var submission = await submitter.SubmitAsync(body, new BatchSubmitRequest(), cancellationToken);
        if (submission.TooLarge)
        {
            return TooLarge(submission.Refusal!);
        }

        if (!submission.Accepted)
        {
            var errors = submission.Problems.Select(p => p.ToValidationError()).ToList();
            var more = submission.UnreportedProblems > 0 ? $"; {submission.UnreportedProblems} more not listed" : "";
            return ApiResponse.Problem(400, "The batch was refused", submission.Refusal + more, errors);
        }

        var header = submission.Header!;
        var url = ApiRoutes.BatchPath(header.BatchId);
        return new ApiResponse(202, new BatchAccepted(header.BatchId, header.Status, header.Items, url)) { Headers = new Dictionary<string, string> { ["Location"] = url } };
    }

    /// <summary>
    /// <c>GET /api/batches?status=&amp;since=&amp;top=&amp;continuation=</c>: a page of batches, newest first, from the
    /// batch table's index by day (see <see cref="ListParameters"/>; <c>batch</c> is not one of them).
    /// </summary>
    public async Task<ApiResponse> ListAsync(ListParameters parameters, CancellationToken cancellationToken)
    {
        if (ListQueryReader.TryReadBatchQuery(parameters, time.GetUtcNow(), out var query) is { } error)
        {
            return JobApi.InvalidParameter(error);
        }

        return ApiResponse.Json(200, await listing.ListAsync(query, cancellationToken));
    }

    /// <summary><c>GET /api/batches/{id}</c>.</summary>
    public async Task<ApiResponse> GetAsync(string batchId, CancellationToken cancellationToken)
    {
        if (Check(batchId) is { } invalid)
        {
            return invalid;
        }

        var header = await control.FindAsync(batchId, cancellationToken);
        return header is null ? NotFound(batchId) : ApiResponse.Json(200, await control.ViewAsync(header, cancellationToken));
    }

    /// <summary><c>POST /api/batches/{id}/cancel</c>: 200 with the batch; 409 when it already completed.</summary>
    public async Task<ApiResponse> CancelAsync(string batchId, CancellationToken cancellationToken)
    {
        if (Check(batchId) is { } invalid)
        {
            return invalid;
        }

        var (change, header) = await control.CancelAsync(batchId, cancellationToken);
        return change switch
        {
            BatchChange.NotFound => NotFound(batchId),
            BatchChange.Conflict => ApiResponse.Problem(409, "The batch cannot be cancelled", $"batch '{batchId}' has already completed"),
            _ => ApiResponse.Json(200, await control.ViewAsync(header!, cancellationToken)),
        };
    }

    /// <summary><c>POST /api/batches/{id}/retry-failed</c>: 202 with the batch; the header <c>X-Retried</c> counts the jobs requeued.</summary>
    public async Task<ApiResponse> RetryFailedAsync(string batchId, CancellationToken cancellationToken)
    {
        if (Check(batchId) is { } invalid)
        {
            return invalid;
        }

        var (change, retried) = await control.RetryFailedAsync(batchId, cancellationToken);
        if (change == BatchChange.NotFound || await control.FindAsync(batchId, cancellationToken) is not { } header)
        {
            return NotFound(batchId);
        }

        return new ApiResponse(202, await control.ViewAsync(header, cancellationToken))
        {
            Headers = new Dictionary<string, string> { ["X-Retried"] = retried.ToString(CultureInfo.InvariantCulture) },
        };
    }

    /// <summary><c>GET /api/batches/{id}/results[?reasoning=true]</c>: JSONL of <see cref="BatchResultLine"/> in input order, streamed.</summary>
    public async Task<ApiResponse> ResultsAsync(string batchId, bool withReasoning, CancellationToken cancellationToken)
    {
        if (Check(batchId) is { } invalid)
        {
            return invalid;
        }

        var header = await control.FindAsync(batchId, cancellationToken);
        return header is null
            ? NotFound(batchId)
            : ApiResponse.Stream(200, NdjsonContentType, (stream, token) => exporter.WriteJsonLinesAsync(header, withReasoning, stream, token));
    }

    private static ApiResponse? Check(string batchId) =>
        ListQueryReader.IsBatchId(batchId)
            ? null
            : ApiResponse.Problem(400, "Malformed batch id", $"'{batchId}' is not a batch id (batch- followed by 26 letters and digits)", [new JobValidationError("id", "is not a batch id")]);

    private static ApiResponse NotFound(string batchId) => ApiResponse.Problem(404, "No such batch", $"no batch '{batchId}' exists");

    private static ApiResponse TooLarge(string detail) => ApiResponse.Problem(413, "The batch is too large", detail);
}
