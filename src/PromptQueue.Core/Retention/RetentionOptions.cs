using System.ComponentModel.DataAnnotations;

namespace PromptQueue.Core.Retention;

/// <summary>How long finished jobs and batches are kept (section <c>PromptQueue:Retention</c>).</summary>
public sealed class RetentionOptions
{
    public const string SectionName = "PromptQueue:Retention";

    /// <summary>
    /// Days a finished job or batch is kept after it finished; unset or 0 keeps everything for ever (the default:
    /// removing what a user stored is something they turn on).
    /// </summary>
    [Range(0, 3650, ErrorMessage = "Retention:Days must be 0 (off) or 1 to 3650 days.")]
    public int? Days { get; set; }
}
