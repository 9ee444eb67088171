using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using PromptQueue.Core;

var builder = FunctionsApplication.CreateBuilder(args);
builder.Services.AddPromptQueueCore(builder.Configuration);
builder.Build().Run();
