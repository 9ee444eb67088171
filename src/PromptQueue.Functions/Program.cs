using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using PromptQueue.Core;
using PromptQueue.Functions;
using PromptQueue.Hosting;
using PromptQueue.Http;

var builder = FunctionsApplication.CreateBuilder(args);
AppSettingsCheck.Require(builder.Configuration);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddPromptQueueCore(builder.Configuration).AddPromptQueueHttpApi();

// The worker's logs go through the host, which shows them and sends them to Application Insights; the worker
// exports its spans and metrics itself (and its logs only to OTLP, which the host does not serve). They carry the
// app's name, as the host's own telemetry does, so Application Insights shows one role for both.
var serviceName = builder.Configuration["WEBSITE_SITE_NAME"] is { Length: > 0 } siteName ? siteName : "promptqueue-functions";
builder.Services.AddPromptQueueTelemetry(builder.Configuration, serviceName, LogExport.OtlpOnly);
builder.Build().Run();
