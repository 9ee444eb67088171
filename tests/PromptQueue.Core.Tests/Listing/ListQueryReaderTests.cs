using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;
using PromptQueue.Core.Listing;
using PromptQueue.Core.Storage;

namespace PromptQueue.Core.Tests.Listing;

public sealed class ListQueryReaderTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void TryReadJobQuery_EveryParameter_IsReadAsSent()
    {
        // Arrange
        var token = new IndexCursor(new DateOnly(2026, 11, 30), "9998234567890-job-abc").Encode();

        // Act
        var error = ListQueryReader.TryReadJobQuery(new ListParameters(" failed , DeadLettered", "batch-01kkcw75r0dxjaye9h0bd15evc", "12h", "200", token), Now, out var query);

        // Assert
        Assert.Null(error);
        Assert.Equal([JobStatus.Failed, JobStatus.DeadLettered], query.Statuses);
        Assert.Equal(("batch-01kkcw75r0dxjaye9h0bd15evc", Now.AddHours(-12), 200), (query.BatchId, query.Since, query.Top));
        Assert.Equal(new IndexCursor(new DateOnly(2026, 11, 30), "9998234567890-job-abc"), query.Continuation);
    }

    [Fact]
    public void TryReadJobQuery_NothingGiven_TakesTheDefaults()
    {
        // Act
        var error = ListQueryReader.TryReadJobQuery(new ListParameters(), Now, out var query);

        // Assert
        Assert.Null(error);
        Assert.Equal((0, null, null, ListLimits.DefaultTop, null), (query.Statuses.Count, query.BatchId, query.Since, query.Top, query.Continuation));
    }

    [Theory]
    [InlineData("2026-11-30", "2026-11-30T00:00:00+00:00")]
    [InlineData("2026-11-30T08:30:00Z", "2026-11-30T08:30:00+00:00")]
    [InlineData("2026-11-30T08:30:00+02:00", "2026-11-30T06:30:00+00:00")]
    [InlineData("30m", "2026-12-01T11:30:00+00:00")]
    [InlineData("7d", "2026-11-24T12:00:00+00:00")]
    public void TryReadBatchQuery_Since_ReadsTimesDatesAndAges(string since, string expected)
    {
        // Act
        var error = ListQueryReader.TryReadBatchQuery(new ListParameters(Since: since), Now, out var query);

        // Assert
        Assert.Null(error);
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), query.Since);
    }

    [Theory]
    [InlineData("Running,Nope", null, null, null, "status")]
    [InlineData("1", null, null, null, "status")]
    [InlineData(null, "two days", null, null, "since")]
    [InlineData(null, "3651d", null, null, "since")]
    [InlineData(null, null, "-5", null, "top")]
    [InlineData(null, null, "1001", null, "top")]
    [InlineData(null, null, null, "!!", "continuation")]
    [InlineData(null, null, null, "MjAyNjExMzB8bm90LWEta2V5", "continuation")]
    public void TryReadJobQuery_BadParameter_NamesIt(string? status, string? since, string? top, string? continuation, string parameter)
    {
        // Act
        var error = ListQueryReader.TryReadJobQuery(new ListParameters(status, null, since, top, continuation), Now, out _);

        // Assert
        Assert.Equal(parameter, error?.Path);
    }

    [Fact]
    public void IndexCursor_EncodeThenDecode_RoundTripsAndIsUrlSafe()
    {
        // Arrange
        var cursor = new IndexCursor(new DateOnly(2026, 1, 2), "9998234567890-job-a.b_c:d");

        // Act
        var token = cursor.Encode();
        var decoded = IndexCursor.TryDecode(token, out var read);

        // Assert
        Assert.True(decoded);
        Assert.Equal(cursor, read);
        Assert.DoesNotContain(token, c => c is '+' or '/' or '=');
    }

    [Fact]
    public void DayIndex_RowKeys_SortNewestFirst()
    {
        // Arrange
        var earlier = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

        // Act
        var older = DayIndex.RowKeyOf(earlier, "job-b");
        var newer = DayIndex.RowKeyOf(earlier.AddMilliseconds(1), "job-a");

        // Assert
        Assert.True(string.CompareOrdinal(newer, older) < 0);
        Assert.Equal(("job-b", "~created-20260102"), (DayIndex.IdOf(older), DayIndex.PartitionOf(earlier)));
    }

    [Fact]
    public void ListPage_OfJobs_SerializesItemsAndContinuationInSnakeCase()
    {
        // Arrange
        var page = new ListPage<JobListItem>([new JobListItem { Id = "job-a", Status = JobStatus.Failed, BatchId = "batch-x", CreatedAt = Now }], "abc");

        // Act
        var json = System.Text.Json.JsonSerializer.Serialize(page, ContractJson.Options);

        // Assert
        Assert.Contains("\"continuation\":\"abc\"", json, StringComparison.Ordinal);
        Assert.Contains("\"batch_id\":\"batch-x\"", json, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"Failed\"", json, StringComparison.Ordinal);
    }
}
