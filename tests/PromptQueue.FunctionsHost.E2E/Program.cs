using PromptQueue.FunctionsHost.E2E;

// Usage: PromptQueue.FunctionsHost.E2E --app <Functions build or publish output> [--work <folder for logs>]
return await HostCheck.RunAsync(CheckArguments.Parse(args));
