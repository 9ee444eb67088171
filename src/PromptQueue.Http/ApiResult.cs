using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using PromptQueue.Contracts;
using PromptQueue.Http.Api;

namespace PromptQueue.Http;

/// <summary>
/// Writes a Core <see cref="ApiResponse"/> to the HTTP response: minimal APIs run it as an <see cref="IResult"/>, the
/// Functions ASP.NET Core integration as an <see cref="IActionResult"/>, so both hosts answer byte for byte alike.
/// </summary>
public sealed class ApiResult(ApiResponse response) : IResult, IActionResult
{
    public ApiResponse Response { get; } = response ?? throw new ArgumentNullException(nameof(response));

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var http = httpContext.Response;
        http.StatusCode = Response.StatusCode;

        // JSON is written with a relaxed encoder (see ContractJson): a browser must never sniff it as HTML.
        http.Headers.XContentTypeOptions = "nosniff";
        foreach (var (name, value) in Response.Headers)
        {
            http.Headers[name] = value;
        }

        var cancellationToken = httpContext.RequestAborted;
        if (Response.WriteBody is { } writeBody)
        {
            http.ContentType = Response.ContentType;
            await writeBody(http.Body, cancellationToken);
        }
        else if (Response.Body is { } body)
        {
            http.ContentType = Response.ContentType;
            await JsonSerializer.SerializeAsync(http.Body, body, body.GetType(), ContractJson.Options, cancellationToken);
        }
    }

    public Task ExecuteResultAsync(ActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ExecuteAsync(context.HttpContext);
    }
}
