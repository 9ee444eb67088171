using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PromptQueue.Client;
using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;
using PromptQueue.Http.Api;
using PromptQueue.Core.Listing;

namespace PromptQueue.Cli.Commands;

/// <summary>
/// What the management commands (<c>cancel</c>, <c>retry</c>, <c>budget</c>, <c>usage</c>, <c>batch cancel</c>, the
/// lists) do, either on local storage or against a running app over HTTP: both answer with the API's own views, so a
/// command prints the same thing whichever way it went, and fails with the same <see cref="PromptQueueApiException"/>.
/// </summary>
public interface IPromptQueueBackend
{
    /// <summary>Where the answers come from, for messages: "this storage account" or the app's URL.</summary>
    string Where { get; }

    Task<JobView?> GetJobAsync(string jobId, CancellationToken cancellationToken);

    Task<JobView> CancelJobAsync(string jobId, CancellationToken cancellationToken);

    Task<JobAccepted> RetryJobAsync(string jobId, CancellationToken cancellationToken);

    Task<JsonElement> GetBudgetAsync(CancellationToken cancellationToken);

    Task<JsonElement> GetUsageAsync(DateOnly? day, CancellationToken cancellationToken);

    Task<BatchView?> GetBatchAsync(string batchId, CancellationToken cancellationToken);

    Task<BatchView> CancelBatchAsync(string batchId, CancellationToken cancellationToken);

    Task<BatchView> RetryFailedAsync(string batchId, CancellationToken cancellationToken);

    Task<ListPage<JobListItem>> ListJobsAsync(ListParameters parameters, CancellationToken cancellationToken);

    Task<ListPage<BatchView>> ListBatchesAsync(ListParameters parameters, CancellationToken cancellationToken);
}

/// <summary>The management commands against a running app, through <see cref="PromptQueueClient"/>.</summary>
public sealed class HttpBackend(PromptQueueClient client, Uri url) : IPromptQueueBackend
{
    public string Where => url.ToString().TrimEnd('/');

    public Task<JobView?> GetJobAsync(string jobId, CancellationToken cancellationToken) => client.GetAsync(jobId, cancellationToken);

    public Task<JobView> CancelJobAsync(string jobId, CancellationToken cancellationToken) => client.CancelAsync(jobId, cancellationToken);

    public Task<JobAccepted> RetryJobAsync(string jobId, CancellationToken cancellationToken) => client.RetryAsync(jobId, cancellationToken);

    public Task<JsonElement> GetBudgetAsync(CancellationToken cancellationToken) => client.GetBudgetAsync(cancellationToken);

    public Task<JsonElement> GetUsageAsync(DateOnly? day, CancellationToken cancellationToken) => client.GetUsageAsync(day, cancellationToken);

    public Task<BatchView?> GetBatchAsync(string batchId, CancellationToken cancellationToken) => client.GetBatchAsync(batchId, cancellationToken);

    public Task<BatchView> CancelBatchAsync(string batchId, CancellationToken cancellationToken) => client.CancelBatchAsync(batchId, cancellationToken);

    public Task<BatchView> RetryFailedAsync(string batchId, CancellationToken cancellationToken) => client.RetryFailedAsync(batchId, cancellationToken);

    public Task<ListPage<JobListItem>> ListJobsAsync(ListParameters parameters, CancellationToken cancellationToken) =>
        client.ListJobsAsync(parameters.Status, parameters.Batch, parameters.Since, Top(parameters), parameters.Continuation, cancellationToken);

    public Task<ListPage<BatchView>> ListBatchesAsync(ListParameters parameters, CancellationToken cancellationToken) =>
        client.ListBatchesAsync(parameters.Status, parameters.Since, Top(parameters), parameters.Continuation, cancellationToken);

    private static int? Top(ListParameters parameters) => parameters.Top is { } top ? int.Parse(top, System.Globalization.CultureInfo.InvariantCulture) : null;
}

/// <summary>
/// The management commands on the configured storage, through the same Core API the HTTP hosts serve: a refusal
/// becomes the <see cref="PromptQueueApiException"/> the HTTP client would have thrown for it.
/// </summary>
public sealed class LocalBackend(IServiceProvider services) : IPromptQueueBackend
{
    public string Where => "this storage account";

    private JobApi Jobs => services.GetRequiredService<JobApi>();

    private BatchApi Batches => services.GetRequiredService<BatchApi>();

    public async Task<JobView?> GetJobAsync(string jobId, CancellationToken cancellationToken) =>
        OrNull<JobView>(await Jobs.GetAsync(jobId, wait: null, cancellationToken));

    public async Task<JobView> CancelJobAsync(string jobId, CancellationToken cancellationToken) =>
        Unwrap<JobView>(await Jobs.CancelAsync(jobId, cancellationToken));

    public async Task<JobAccepted> RetryJobAsync(string jobId, CancellationToken cancellationToken) =>
        Unwrap<JobAccepted>(await Jobs.RetryAsync(jobId, cancellationToken));

    public async Task<JsonElement> GetBudgetAsync(CancellationToken cancellationToken) =>
        Unwrap<JsonElement>(await services.GetRequiredService<ServiceApi>().GetBudgetAsync(cancellationToken));

    public async Task<JsonElement> GetUsageAsync(DateOnly? day, CancellationToken cancellationToken) =>
        Unwrap<JsonElement>(await services.GetRequiredService<UsageApi>().DailyUsageAsync(day?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), cancellationToken));

    public async Task<BatchView?> GetBatchAsync(string batchId, CancellationToken cancellationToken) =>
        OrNull<BatchView>(await Batches.GetAsync(batchId, cancellationToken));

    public async Task<BatchView> CancelBatchAsync(string batchId, CancellationToken cancellationToken) =>
        Unwrap<BatchView>(await Batches.CancelAsync(batchId, cancellationToken));

    public async Task<BatchView> RetryFailedAsync(string batchId, CancellationToken cancellationToken) =>
        Unwrap<BatchView>(await Batches.RetryFailedAsync(batchId, cancellationToken));

    public async Task<ListPage<JobListItem>> ListJobsAsync(ListParameters parameters, CancellationToken cancellationToken) =>
        Unwrap<ListPage<JobListItem>>(await Jobs.ListAsync(parameters, cancellationToken));

    public async Task<ListPage<BatchView>> ListBatchesAsync(ListParameters parameters, CancellationToken cancellationToken) =>
        Unwrap<ListPage<BatchView>>(await Batches.ListAsync(parameters, cancellationToken));

    /// <summary>The answer's body as the HTTP client would read it: through the contract's JSON, so both paths agree.</summary>
    internal static T Unwrap<T>(ApiResponse response)
    {
        if (response.StatusCode >= 400)
        {
            throw new PromptQueueApiException(response.Body as ApiProblem ?? new ApiProblem("about:blank", "Refused", response.StatusCode, null, null), responseBody: null);
        }

        return JsonSerializer.SerializeToElement(response.Body, ContractJson.Options).Deserialize<T>(ContractJson.Options)!;
    }

    private static T? OrNull<T>(ApiResponse response) where T : class => response.StatusCode == 404 ? null : Unwrap<T>(response);
}
