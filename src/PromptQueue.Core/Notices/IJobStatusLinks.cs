namespace PromptQueue.Core.Notices;

/// <summary>
/// Where a reader finds a job over the HTTP API, for the <see cref="CompletionNotice.StatusUrl"/> of its notices. The
/// host that serves the API knows its routes and its public address; Core knows neither. Every host registers one
/// (<c>AddPromptQueueHttpApi</c> in <c>PromptQueue.Http</c> does).
/// </summary>
public interface IJobStatusLinks
{
    /// <summary>The job's status URL: a path relative to the API's base address, or an absolute URL when the host has one.</summary>
    string JobStatusUrl(string jobId);
}
