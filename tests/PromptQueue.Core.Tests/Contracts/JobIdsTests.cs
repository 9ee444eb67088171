using PromptQueue.Contracts;

namespace PromptQueue.Core.Tests.Contracts;

public sealed class JobIdsTests
{
    [Fact]
    public void New_ManyIds_AreUniqueValidAndSortByTime()
    {
        // Arrange
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        // Act
        var ids = Enumerable.Range(0, 1000).Select(i => JobIds.New(start.AddMilliseconds(i))).ToList();

        // Assert
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ids, id => Assert.True(PromptJobReader.IsValidJobId(id), id));
        Assert.Equal(ids, ids.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("order-1\n")]
    [InlineData("order-1\r\n")]
    [InlineData("\norder-1")]
    [InlineData("order\n-1")]
    public void IsValidJobId_ALineBreakAnywhere_IsNoId(string id)
    {
        // Act: .NET's $ matches before a final line break; a Table storage key may not hold control characters.
        var valid = PromptJobReader.IsValidJobId(id);

        // Assert
        Assert.False(valid);
    }
}
