using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using PromptQueue.Http.Api;
using PromptQueue.Http;

namespace PromptQueue.Cli.Commands;

/// <summary>How <c>promptq serve</c> was asked to run.</summary>
/// <param name="Urls">Where to listen; null means the configured or default address.</param>
/// <param name="Dev">No API key, loopback only.</param>
public sealed record ServeArguments(string? Urls, bool Dev);

/// <summary>The HTTP settings of <c>promptq serve</c> (section <c>PromptQueue:Http</c>, shared with <see cref="ApiOptions"/>).</summary>
public sealed class ServeSettings
{
    public const string DefaultUrls = "http://127.0.0.1:7071";

    /// <summary>Where to listen, separated by ';'. <c>--urls</c> overrides it.</summary>
    public string Urls { get; set; } = DefaultUrls;

    /// <summary>The key every request but health must carry in <c>x-functions-key</c>. Never printed or logged.</summary>
    public string? ApiKey { get; set; }
}

/// <summary>
/// <c>promptq serve</c>: the whole app in one process: the HTTP API on Kestrel, on the Functions app's routes and with
/// the same key header, plus every worker <c>promptq work</c> runs.
/// </summary>
public static class ServeCommand
{
    /// <summary>Reads <c>serve</c>'s options; null and an error when they make no sense.</summary>
    public static ServeArguments? Parse(IReadOnlyList<string> options, out string? error)
    {
        ArgumentNullException.ThrowIfNull(options);
        string? urls = null;
        var dev = false;
        for (var i = 0; i < options.Count; i++)
        {
            switch (options[i])
            {
                case "--dev":
                    dev = true;
                    break;
                case "--urls" when i + 1 < options.Count:
                    urls = options[++i];
                    break;
                default:
                    error = $"serve: unknown option '{options[i]}'. Use: promptq serve [--urls URL[;URL...]] [--dev]";
                    return null;
            }
        }

        error = null;
        return new ServeArguments(urls, dev);
    }

    /// <summary>
    /// Decides the URLs and the key from the arguments and configuration, before anything starts; null and the reason
    /// when serve must refuse: no key outside dev mode, or dev mode on an address other machines can reach.
    /// </summary>
    public static (ServeSettings? Settings, string? Refusal) Resolve(ServeArguments arguments, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var settings = configuration.GetSection(ApiOptions.SectionName).Get<ServeSettings>() ?? new ServeSettings();
        settings.Urls = arguments.Urls ?? settings.Urls;
        if (arguments.Dev)
        {
            var exposed = settings.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault(url => !IsLoopback(url));
            settings.ApiKey = null;
            return exposed is null
                ? (settings, null)
                : (null, $"--dev turns the API key off, so it serves only this machine; '{exposed}' is not a loopback address. Use http://127.0.0.1:PORT, or set an API key and drop --dev.");
        }

        return string.IsNullOrWhiteSpace(settings.ApiKey)
            ? (null, "serve needs an API key: set PromptQueue__Http__ApiKey (or PromptQueue:Http:ApiKey in appsettings.json), or run with --dev for a keyless server on this machine only.")
            : (settings, null);
    }

    public static WebApplicationBuilder CreateBuilder() => WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });

    /// <summary>Builds the web app: listens where <paramref name="settings"/> say and maps the API.</summary>
    public static WebApplication Build(WebApplicationBuilder builder, ServeSettings settings)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);
        builder.WebHost.UseUrls(settings.Urls);
        builder.Services.AddSingleton(new ApiKeyCheck(settings.ApiKey));
        var app = builder.Build();
        app.MapPromptQueueApi();
        return app;
    }

    /// <summary>Tells where the started app listens and how it checks callers, then works the queue until stopped.</summary>
    public static async Task<int> ExecuteAsync(WebApplication app, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(errors);
        var keyRequired = app.Services.GetRequiredService<ApiKeyCheck>().IsKeyRequired;

        // The URLs were checked before start, but configuration (Kestrel:Endpoints) can add listeners of its own:
        // a keyless server checks every address it actually listens on.
        if (!keyRequired && app.Urls.FirstOrDefault(url => !IsLoopback(url)) is { } exposed)
        {
            await errors.WriteLineAsync($"promptq: --dev serves only this machine, but the server also listens on '{exposed}'; remove that endpoint, or set an API key and drop --dev.");
            return Promptq.ExitUsage;
        }

        var auth = keyRequired
            ? $"API key required in the {ApiKeyCheck.HeaderName} header; health is open"
            : "dev mode: no API key, loopback only";
        foreach (var url in app.Urls)
        {
            await output.WriteLineAsync($"Serving the PromptQueue API at {url.TrimEnd('/')}/{ApiRoutes.Prefix} ({auth}).");
        }

        return await WorkCommand.ExecuteAsync(app.Services, output, cancellationToken);
    }

    private static bool IsLoopback(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return false;
        }

        return uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
    }
}
