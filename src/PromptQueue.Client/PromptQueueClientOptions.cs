using System.ComponentModel.DataAnnotations;

namespace PromptQueue.Client;

/// <summary>Where the PromptQueue HTTP API is and how to authenticate to it.</summary>
public sealed class PromptQueueClientOptions
{
    /// <summary>The configuration section the options are usually bound from.</summary>
    public const string SectionName = "PromptQueue:Client";

    /// <summary>The app's root URL, without <c>/api</c>: the Functions app's URL, or <c>http://127.0.0.1:7071</c> for <c>promptq serve</c>.</summary>
    [Required]
    public Uri? BaseAddress { get; set; }

    /// <summary>
    /// The function key (or <c>promptq serve</c>'s key), sent as <c>x-functions-key</c>. Keep it in a secret store or
    /// an environment variable; the client never writes it to a log or an exception.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// How long one long-poll request of <see cref="PromptQueueClient.WaitForCompletionAsync"/> asks the server to hold
    /// the answer (the server caps it at 200 s). Load balancers and proxies cut idle connections after a few minutes,
    /// so a round stays well below that; it is also kept 10 s under <see cref="HttpClient.Timeout"/>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:03:20")]
    public TimeSpan LongPollRound { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long <see cref="PromptQueueClient.WaitForCompletionAsync"/> takes "no such job" (404) to mean "not stored
    /// yet" before it gives up. A job put on the queue (<see cref="PromptQueueQueueSender"/>) is stored only when a
    /// worker takes its message, which a running worker does within seconds; five minutes covers a worker that is
    /// restarting or scaling out, and still ends a wait for a mistyped id. Zero throws on the first 404.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan UnknownJobGrace { get; set; } = TimeSpan.FromMinutes(5);
}
