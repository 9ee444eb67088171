using Microsoft.Extensions.Configuration;

namespace PromptQueue.Functions;

/// <summary>
/// The app settings the Functions app cannot run without, checked when the worker starts, so that a missing one stops
/// the app with a message naming it instead of leaving it to fail quietly.
/// </summary>
/// <remarks>
/// The triggers' binding expressions (<c>%PromptQueue:JobQueue%</c>, ...) are resolved by the host from its own app
/// settings, never from the app's option defaults, and the host disables a trigger whose setting is missing while it
/// starts the rest. And without an OpenRouter key every call would meet the account pause.
/// </remarks>
public static class AppSettingsCheck
{
    public const string JobQueue = "PromptQueue:JobQueue";
    public const string NoticeQueue = "PromptQueue:Notices:NoticeQueue";
    public const string DispatchSchedule = "PromptQueue:Batches:DispatchSchedule";
    public const string ApiKey = "OpenRouter:ApiKey";

    private static readonly (string Setting, string Why)[] Required =
    [
        (JobQueue, "the host reads the queue of ProcessJob and DeadLetterJob from it; usually prompt-jobs"),
        (NoticeQueue, "the host reads the queue of DeliverNotice from it; usually prompt-notices"),
        (DispatchSchedule, "the host reads the timer of DispatchBatches from it; usually 0 */1 * * * *"),
        (ApiKey, "every call to OpenRouter sends it; against the simulator, for a local run, any value does"),
    ];

    /// <summary>Throws, naming every missing setting and what needs it, when one is not set.</summary>
    public static void Require(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var missing = Required.Where(required => string.IsNullOrWhiteSpace(configuration[required.Setting])).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                "The Functions app cannot start: " +
                string.Join("; ", missing.Select(m => $"{m.Setting.Replace(":", "__", StringComparison.Ordinal)} is not set ({m.Why})")) +
                ". Set it in the app settings, or in local.settings.json for func start.");
        }
    }
}
