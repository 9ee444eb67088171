using PromptQueue.Cli;

return await Promptq.RunAsync(args, Console.Out, Console.Error);
