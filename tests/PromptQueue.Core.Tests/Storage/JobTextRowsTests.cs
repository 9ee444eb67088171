using PromptQueue.Core.Storage;

namespace PromptQueue.Core.Tests.Storage;

public sealed class JobTextRowsTests
{
    [Fact]
    public void Split_LongText_RejoinsToTheOriginalInChunksWithinTheLimit()
    {
        // Arrange
        var text = string.Concat(Enumerable.Repeat("abc🙂", 25_000));

        // Act
        var chunks = JobTextRows.Split(text);

        // Assert
        Assert.Equal(text, string.Concat(chunks));
        Assert.All(chunks, c => Assert.InRange(c.Length, 1, JobTextRows.ChunkChars));
    }

    [Fact]
    public void Split_SurrogatePairAtTheBoundary_IsNeverCut()
    {
        // Arrange: the emoji's high surrogate falls on the last position of the first chunk.
        var text = new string('a', 9) + "🙂" + "b";

        // Act
        var chunks = JobTextRows.Split(text, maxChars: 10);

        // Assert
        Assert.Equal(["aaaaaaaaa", "🙂b"], chunks);
    }

    [Fact]
    public void RowKey_Index_IsZeroPaddedSoRowsSortInChunkOrder()
    {
        // Act
        var keys = new[] { 10, 2, 100 }.Select(i => JobTextRows.RowKey(JobText.Reasoning, i)).Order(StringComparer.Ordinal);

        // Assert
        Assert.Equal(["trace-00002", "trace-00010", "trace-00100"], keys);
    }
}
