using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace PromptQueue.Simulator;

/// <summary>Deterministic reasoning and answer text: the same conversation always yields the same characters.</summary>
internal static partial class SyntheticText
{
    private const int ExcerptLength = 160;

    private static readonly string[] ReasoningOpeners =
    [
        "The user asks: \"{0}\".",
        "The question is \"{0}\".",
        "We are asked: \"{0}\".",
        "Request under consideration: \"{0}\".",
    ];

    private static readonly string[] ReasoningMiddles =
    [
        "Let me break it into the key facts before answering.",
        "I should recall what is relevant and check each step.",
        "First identify what is being asked, then work out a short, correct reply.",
        "There may be more than one reading, so pick the most likely one.",
    ];

    private static readonly string[] ReasoningClosers =
    [
        "A concise, direct answer is best here.",
        "I will state the answer plainly and add one supporting detail.",
        "Keep the final answer brief and accurate.",
        "Summarise the conclusion in a sentence or two.",
    ];

    private static readonly string[] AnswerBodies =
    [
        "Here is a short, deterministic answer from the simulator.",
        "The simulator's answer: the key point is addressed directly and briefly.",
        "In short, this is the simulated response to that request.",
        "Answering plainly: this text stands in for a real model's reply.",
    ];

    public static ulong StableHash(string key) =>
        BinaryPrimitives.ReadUInt64LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>A short single-line quote of the question, so long prompts do not balloon every answer.</summary>
    public static string Excerpt(string text)
    {
        var collapsed = Whitespace().Replace(text, " ").Trim();
        if (collapsed.Length == 0)
        {
            return "(empty message)";
        }

        if (collapsed.Length <= ExcerptLength)
        {
            return collapsed;
        }

        var cut = char.IsHighSurrogate(collapsed[ExcerptLength - 1]) ? ExcerptLength - 1 : ExcerptLength;
        return string.Concat(collapsed.AsSpan(0, cut), "...");
    }

    public static string Reasoning(string excerpt, ulong hash) => string.Join(
        ' ',
        string.Format(System.Globalization.CultureInfo.InvariantCulture, Pick(ReasoningOpeners, hash, 0), excerpt),
        Pick(ReasoningMiddles, hash, 8),
        Pick(ReasoningClosers, hash, 16));

    public static string Answer(string excerpt, ulong hash) =>
        $"Regarding \"{excerpt}\": {Pick(AnswerBodies, hash, 24)} (sim {hash:x16})";

    /// <summary>Exactly <paramref name="length"/> characters made by repeating <paramref name="pattern"/>; cheap even for millions.</summary>
    public static string RepeatToLength(string pattern, int length)
    {
        var unit = pattern.Length == 0 ? "simulated text " : pattern + " ";
        return string.Create(length, unit, static (span, unit) =>
        {
            for (var written = 0; written < span.Length; written += unit.Length)
            {
                unit.AsSpan(0, Math.Min(unit.Length, span.Length - written)).CopyTo(span[written..]);
            }

            // A cut through a surrogate pair would leave an unpaired half that no encoder can send.
            if (span.Length > 0 && char.IsHighSurrogate(span[^1]))
            {
                span[^1] = ' ';
            }
        });
    }

    /// <summary>Consecutive pieces of <paramref name="text"/>, none longer than <paramref name="maxLength"/>, never splitting a surrogate pair.</summary>
    public static List<string> Split(string text, int maxLength)
    {
        var pieces = new List<string>();
        for (var start = 0; start < text.Length;)
        {
            var end = Math.Min(text.Length, start + maxLength);
            if (end < text.Length && end - start > 1 && char.IsHighSurrogate(text[end - 1]))
            {
                end--;
            }

            pieces.Add(text[start..end]);
            start = end;
        }

        return pieces;
    }

    private static string Pick(string[] choices, ulong hash, int shift) => choices[(int)((hash >> shift) % (ulong)choices.Length)];

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
