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
        var keys = new[] { 10, 2, 100 }.Select(i => JobTextRows.RowKey(JobText.Reasoning, "k7c2m9qa", i)).Order(StringComparer.Ordinal);

        // Assert
        Assert.Equal(["trace-k7c2m9qa-00002", "trace-k7c2m9qa-00010", "trace-k7c2m9qa-00100"], keys);
    }

    [Fact]
    public void RowKey_NoVersion_IsTheKeyOfRowsStoredBeforeVersions()
    {
        // Act
        var key = JobTextRows.RowKey(JobText.Reasoning, version: null, 3);

        // Assert
        Assert.Equal("trace-00003", key);
    }

    [Fact]
    public void NewVersion_TwoWrites_GetDifferentKeysOfPlainAscii()
    {
        // Act
        var versions = Enumerable.Range(0, 1000).Select(_ => JobTextRows.NewVersion()).ToList();

        // Assert
        Assert.Equal(versions.Count, versions.Distinct(StringComparer.Ordinal).Count());
        Assert.All(versions, v => Assert.Matches("^[0-9a-z]{8}$", v));
    }
}
