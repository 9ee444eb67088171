using System.Text.Json.Serialization;

namespace PromptQueue.Contracts;

/// <summary>
/// Which lane of the request budget a job's calls take. Interactive work is not left waiting behind bulk: while an
/// interactive job waits, bulk calls leave it a share of each window and the day's last requests, and it takes the
/// next free slot before any bulk job. JSON carries the name in lower case.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<JobPriority>))]
public enum JobPriority
{
    /// <summary>A caller waits for the answer: the default for jobs submitted one at a time.</summary>
    [JsonStringEnumMemberName("interactive")]
    Interactive,

    /// <summary>Work nobody waits on by the second: the default for batch items.</summary>
    [JsonStringEnumMemberName("bulk")]
    Bulk,
}
