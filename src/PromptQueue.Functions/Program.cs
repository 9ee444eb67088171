using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Hosting;
using PromptQueue.Core;
using PromptQueue.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddPromptQueueCore(builder.Configuration);
builder.Services.AddPromptQueueTelemetry(builder.Configuration).UseFunctionsWorkerDefaults();
builder.Build().Run();
