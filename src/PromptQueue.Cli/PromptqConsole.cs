namespace PromptQueue.Cli;

/// <summary>What a promptq command reads and writes: its streams and its environment, so tests can supply their own.</summary>
/// <param name="Input">Standard input (<c>submit -</c> reads a job from it).</param>
/// <param name="Output">Data: ids, answers, JSON.</param>
/// <param name="Errors">Messages for the user.</param>
/// <param name="Environment">Environment variables (PROMPTQ_URL, PROMPTQ_API_KEY).</param>
public sealed record PromptqConsole(Stream Input, TextWriter Output, TextWriter Errors, Func<string, string?> Environment)
{
    /// <summary>The process's own console and environment, with the given writers.</summary>
    public static PromptqConsole Process(TextWriter output, TextWriter errors) =>
        new(Console.OpenStandardInput(), output, errors, System.Environment.GetEnvironmentVariable);
}
