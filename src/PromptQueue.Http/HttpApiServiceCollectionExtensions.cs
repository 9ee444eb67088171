using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PromptQueue.Core.Notices;
using PromptQueue.Http.Api;

namespace PromptQueue.Http;

/// <summary>Wires the HTTP API's services for both hosts: the route handlers and the links notices carry.</summary>
public static class HttpApiServiceCollectionExtensions
{
    public static IServiceCollection AddPromptQueueHttpApi(this IServiceCollection services)
    {
        services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<JobApi>();
        services.TryAddSingleton<BatchApi>();
        services.TryAddSingleton<UsageApi>();
        services.TryAddSingleton<ServiceApi>();
        services.TryAddSingleton<IJobStatusLinks, ApiJobStatusLinks>();
        return services;
    }
}
