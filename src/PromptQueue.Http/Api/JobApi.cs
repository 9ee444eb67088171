using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;
using PromptQueue.Core.Listing;
using PromptQueue.Core.Processing;
using PromptQueue.Core.Storage;
using PromptQueue.Core.Submission;

namespace PromptQueue.Http.Api;

/// <summary>
/// The jobs part of the HTTP API: each method answers one route for both hosts, mapping Core's results to status codes,
/// problem documents and headers.
/// </summary>
public sealed class JobApi(
    JobStore store,
    JobIntake jobIntake,
    JobControl control,
    JobListing listing,
    IOptions<JobLimits> limits,
    IOptions<ApiOptions> options,
    TimeProvider time)
{
    private static readonly JsonEncodedText IdProperty = JsonEncodedText.Encode("id");
    private static readonly JsonEncodedText ReasoningProperty = JsonEncodedText.Encode("reasoning");
    private static readonly byte[] ReasoningDetailsProperty = Encoding.UTF8.GetBytes(",\"reasoning_details\":");

    /// <summary><c>POST /api/jobs</c>: reads, checks and stores a job, once per idempotency key or client id.</summary>
    public async Task<ApiResponse> SubmitAsync(Stream body, long? contentLength, string? contentType, string? idempotencyKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (contentType is not null && !IsJson(contentType))
        {
            return ApiResponse.Problem(415, "Unsupported media type", $"send the job as application/json, not '{contentType}'");
        }

        if (idempotencyKey is not null && !IdempotencyKeys.IsValid(idempotencyKey))
        {
            return ApiResponse.Problem(400, "Invalid Idempotency-Key", $"Idempotency-Key must be 1 to {IdempotencyKeys.MaxKeyLength} visible ASCII characters");
        }

        var maxBytes = limits.Value.MaxPayloadBytes;
        var bytes = contentLength > maxBytes ? null : await ReadLimitedAsync(body, maxBytes, cancellationToken);
        if (bytes is null)
        {
            return ApiResponse.Problem(413, "Job too large", $"the job is larger than {maxBytes} bytes, the limit (PromptQueue:Limits:MaxPayloadBytes)");
        }

        if (bytes.Length == 0)
        {
            return ApiResponse.Problem(400, "Empty body", "the request body is empty; send a v1 job as JSON, such as {\"prompt\":\"Hello\"}");
        }

        var intake = await jobIntake.SubmitAsync(bytes, idempotencyKey, JobSources.Http, cancellationToken);
        switch (intake.Outcome)
        {
            case JobIntakeOutcome.Invalid:
                return ApiResponse.Problem(400, "Invalid job", $"the job has {intake.Errors!.Count} problem(s); see errors", intake.Errors);
            case JobIntakeOutcome.BadParent:
                return ApiResponse.Problem(400, "Invalid job", intake.Errors![0].Message, intake.Errors);
            case JobIntakeOutcome.IdempotencyKeyReused:
                return ApiResponse.Problem(409, "Idempotency-Key reused", "this Idempotency-Key was already used for a different request; use a new key for a new job");
            case JobIntakeOutcome.IdInUse:
                return ApiResponse.Problem(409, "Job id in use", string.Join("; ", intake.Errors!.Select(e => e.Message)));
        }

        var created = intake.Outcome == JobIntakeOutcome.Created;
        var location = ApiRoutes.JobPath(intake.JobId!);
        return new ApiResponse(created ? 202 : 200, new JobAccepted(intake.JobId!, intake.Status, location, created))
        {
            Headers = new Dictionary<string, string> { ["Location"] = location },
        };
    }

    /// <summary>
    /// <c>GET /api/jobs?status=&amp;batch=&amp;since=&amp;top=&amp;continuation=</c>: a page of jobs, newest first, from the
    /// index of jobs by day (see <see cref="ListParameters"/>).
    /// </summary>
    public async Task<ApiResponse> ListAsync(ListParameters parameters, CancellationToken cancellationToken)
    {
        if (ListQueryReader.TryReadJobQuery(parameters, time.GetUtcNow(), out var query) is { } error)
        {
            return InvalidParameter(error);
        }

        return ApiResponse.Json(200, await listing.ListAsync(query, cancellationToken));
    }

    /// <summary>A 400 naming the query parameter that is wrong, for both listings.</summary>
    internal static ApiResponse InvalidParameter(JobValidationError error) =>
        ApiResponse.Problem(400, $"Invalid {error.Path}", $"{error.Path}: {error.Message}", [error]);

    /// <summary><c>GET /api/jobs/{id}?wait=N</c>: the job, after waiting up to N seconds for it to finish.</summary>
    public async Task<ApiResponse> GetAsync(string id, string? wait, CancellationToken cancellationToken)
    {
        if (InvalidId(id) is { } invalid)
        {
            return invalid;
        }

        if (!LongPoll.TryParseWait(wait, options.Value.MaxWait, out var waitFor, out var error))
        {
            return ApiResponse.Problem(400, "Invalid wait", error);
        }

        var record = await store.FindAsync(id, cancellationToken);
        if (record is null)
        {
            return NotFound(id);
        }

        record = await LongPoll.UntilAsync(record, ct => store.FindAsync(id, ct), r => r is null || r.Status.IsTerminal(), waitFor, time, cancellationToken);
        return record is null ? NotFound(id) : ApiResponse.Json(200, await ViewAsync(record, cancellationToken));
    }

    /// <summary><c>GET /api/jobs/{id}/reasoning</c>: the trace, streamed chunk by chunk as it is stored.</summary>
    public async Task<ApiResponse> GetReasoningAsync(string id, CancellationToken cancellationToken)
    {
        if (InvalidId(id) is { } invalid)
        {
            return invalid;
        }

        var record = await store.FindAsync(id, cancellationToken);
        return record is null ? NotFound(id) : ApiResponse.Stream(200, "application/json; charset=utf-8", (stream, ct) => WriteReasoningAsync(record, stream, ct));
    }

    /// <summary><c>POST /api/jobs/{id}/cancel</c>: a Queued or Waiting job becomes Cancelled and never runs (see <see cref="JobControl.CancelAsync"/>).</summary>
    public async Task<ApiResponse> CancelAsync(string id, CancellationToken cancellationToken)
    {
        if (InvalidId(id) is { } invalid)
        {
            return invalid;
        }

        var change = await control.CancelAsync(id, cancellationToken);
        return change.Outcome == JobChangeOutcome.Changed
            ? ApiResponse.Json(200, await ViewAsync(change.Record!, CancellationToken.None))
            : Refused(id, change);
    }

    /// <summary>
    /// <c>POST /api/jobs/{id}/retry</c>: a Failed or DeadLettered job is queued again with fresh attempts; a Queued one
    /// gets its message again (see <see cref="JobControl.RetryAsync"/>).
    /// </summary>
    public async Task<ApiResponse> RetryAsync(string id, CancellationToken cancellationToken)
    {
        if (InvalidId(id) is { } invalid)
        {
            return invalid;
        }

        var change = await control.RetryAsync(id, cancellationToken);
        if (change.Outcome != JobChangeOutcome.Changed)
        {
            return Refused(id, change);
        }

        var location = ApiRoutes.JobPath(change.Record!.JobId);
        return new ApiResponse(202, new JobAccepted(change.Record.JobId, change.Record.Status, location, false))
        {
            Headers = new Dictionary<string, string> { ["Location"] = location },
        };
    }

    private static ApiResponse Refused(string id, JobChange change) => change.Outcome switch
    {
        JobChangeOutcome.NotFound => NotFound(id),
        JobChangeOutcome.Refused => ApiResponse.Problem(409, "Conflict", change.Refusal),
        _ => ApiResponse.Problem(409, "Conflict", $"job {id} kept changing while this request tried to change it; read it and try again"),
    };

    private async Task<JobView> ViewAsync(JobRecord record, CancellationToken cancellationToken) => JobViews.From(
        record,
        await store.ReadTextAsync(record, JobText.Answer, cancellationToken),
        await store.ReadTextAsync(record, JobText.ToolCalls, cancellationToken),
        await store.ReadTextAsync(record, JobText.Logprobs, cancellationToken));

    /// <summary>
    /// Writes <see cref="JobReasoning"/> as JSON without holding the trace whole: the reasoning text goes out as string
    /// segments, one stored chunk each, and <c>reasoning_details</c> as the stored bytes, unchanged.
    /// </summary>
    private async Task WriteReasoningAsync(JobRecord record, Stream stream, CancellationToken cancellationToken)
    {
        await using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString(IdProperty, record.JobId);
            writer.WritePropertyName(ReasoningProperty);
            if (record.ReasoningChunks == 0)
            {
                writer.WriteNullValue();
            }
            else
            {
                var written = 0;
                await foreach (var chunk in store.ReadChunksAsync(record, JobText.Reasoning, cancellationToken))
                {
                    writer.WriteStringValueSegment(chunk, isFinalSegment: ++written == record.ReasoningChunks);
                    await writer.FlushAsync(cancellationToken);
                }
            }

            await writer.FlushAsync(cancellationToken);
        }

        await stream.WriteAsync(ReasoningDetailsProperty, cancellationToken);
        if (record.ReasoningDetailsChunks == 0)
        {
            await stream.WriteAsync("null"u8.ToArray(), cancellationToken);
        }
        else
        {
            await foreach (var chunk in store.ReadChunksAsync(record, JobText.ReasoningDetails, cancellationToken))
            {
                await stream.WriteAsync(Encoding.UTF8.GetBytes(chunk), cancellationToken);
            }
        }

        await stream.WriteAsync("}"u8.ToArray(), cancellationToken);
    }

    /// <summary>Reads at most <paramref name="maxBytes"/>; null when the body is longer, whatever Content-Length said.</summary>
    private static async Task<byte[]?> ReadLimitedAsync(Stream body, int maxBytes, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return buffer.ToArray();
    }

    private static bool IsJson(string contentType)
    {
        var mediaType = contentType.Split(';', 2)[0].Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    private static ApiResponse? InvalidId(string id) => PromptJobReader.IsValidJobId(id)
        ? null
        : ApiResponse.Problem(400, "Invalid job id", $"a job id is 1 to {PromptJobReader.MaxIdLength} letters, digits, '.', '_', ':' or '-', starting with a letter or digit");

    private static ApiResponse NotFound(string id) => ApiResponse.Problem(404, "Job not found", $"no job has the id '{id}'");
}
