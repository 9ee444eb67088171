using PromptQueue.Contracts;

namespace PromptQueue.Client;

/// <summary>One item of a batch: a v1 job and an optional caller-chosen name that the results carry back.</summary>
/// <param name="Job">The job.</param>
/// <param name="CustomId">Your name for the item (an order number, a row id); echoed on its result line.</param>
public sealed record BatchItem(PromptJob Job, string? CustomId = null);
