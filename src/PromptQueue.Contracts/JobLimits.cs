using System.ComponentModel.DataAnnotations;

namespace PromptQueue.Contracts;

/// <summary>Size limits a job must respect. The defaults fit OpenRouter's own limits and Azure Storage's.</summary>
public sealed class JobLimits
{
    public const string SectionName = "PromptQueue:Limits";

    /// <summary>Largest accepted job payload, in UTF-8 bytes.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxPayloadBytes { get; set; } = 1024 * 1024;

    [Range(1, 10_000)]
    public int MaxMessages { get; set; } = 1000;

    /// <summary>Longest text in one prompt, system text or message content.</summary>
    [Range(1, 16 * 1024 * 1024)]
    public int MaxTextChars { get; set; } = 512 * 1024;

    [Range(1, 1024)]
    public int MaxTools { get; set; } = 128;

    [Range(1, 64)]
    public int MaxFallbackModels { get; set; } = 8;

    /// <summary>OpenRouter accepts at most 16 metadata pairs.</summary>
    [Range(0, 16)]
    public int MaxMetadataEntries { get; set; } = 16;
}
