using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using PromptQueue.Client;

// The same settings as the promptq command line: a local `promptq serve --dev` needs neither.
var url = Environment.GetEnvironmentVariable("PROMPTQ_URL") is { Length: > 0 } configured ? configured : "http://127.0.0.1:7071";
var question = args.Length > 0 ? string.Join(' ', args) : "Why is the sky blue?";

var services = new ServiceCollection();
services.AddPromptQueueClient(options =>
{
    options.BaseAddress = new Uri(url);
    options.ApiKey = Environment.GetEnvironmentVariable("PROMPTQ_API_KEY");
});
services.AddChatClient(provider => new PromptQueueChatClient(provider.GetRequiredService<PromptQueueClient>()));
await using var provider = services.BuildServiceProvider();
var chat = provider.GetRequiredService<IChatClient>();

Console.WriteLine($"Question: {question}");
try
{
    var response = await chat.GetResponseAsync(question, new ChatOptions { Reasoning = new ReasoningOptions { Effort = ReasoningEffort.Medium } });
    foreach (var reasoning in response.Messages.SelectMany(m => m.Contents).OfType<TextReasoningContent>())
    {
        Console.WriteLine($"Reasoning: {reasoning.Text}");
        Console.WriteLine($"Reasoning details (kept for the next turn): {reasoning.ProtectedData ?? "none"}");
    }

    Console.WriteLine($"Answer: {response.Text}");
    Console.WriteLine($"Job {response.ResponseId}, model {response.ModelId}, finish {response.FinishReason}, " +
                      $"{response.Usage?.InputTokenCount} in / {response.Usage?.OutputTokenCount} out / {response.Usage?.ReasoningTokenCount} reasoning tokens");
    return 0;
}
catch (PromptQueueJobException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 3;
}
catch (HttpRequestException ex)
{
    Console.Error.WriteLine($"Cannot reach PromptQueue at {url} ({ex.Message}); start it with: dotnet run --project src/PromptQueue.Cli -- serve --dev");
    return 69;
}
