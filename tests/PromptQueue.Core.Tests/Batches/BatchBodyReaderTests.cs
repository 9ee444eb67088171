using System.Text;
using PromptQueue.Contracts;
using PromptQueue.Core.Batches;

namespace PromptQueue.Core.Tests.Batches;

public sealed class BatchBodyReaderTests
{
    private static readonly BatchOptions Options = new() { MaxItemChars = 2_000, MaxBodyBytes = 64 * 1024 };

    [Fact]
    public async Task ReadAsync_JsonArray_YieldsJobsWithoutCustomIdInOrder()
    {
        // Arrange
        var body = """ [ {"custom_id":"a","prompt":"one"}, {"prompt":"two","temperature":0.5} ] """;

        // Act
        var items = await ReadAsync(body);

        // Assert
        Assert.Equal([0, 1], items.Select(i => i.Index));
        Assert.All(items, i => Assert.True(i.IsValid));
        Assert.Equal(("a", """{"prompt":"one"}"""), (items[0].CustomId, items[0].JobJson));
        Assert.Equal((null, """{"prompt":"two","temperature":0.5}"""), (items[1].CustomId, items[1].JobJson));
    }

    [Fact]
    public async Task ReadAsync_JsonlWithBlankLinesAndByteOrderMark_NumbersItemsAndLines()
    {
        // Arrange
        var body = "\uFEFF{\"prompt\":\"one\"}\n\n{\"custom_id\":\"x\",\"prompt\":7}\r\n";

        // Act
        var items = await ReadAsync(body);

        // Assert
        Assert.Equal(2, items.Count);
        Assert.True(items[0].IsValid);
        var problem = Assert.Single(items[1].Problems);
        Assert.Equal(new JobValidationError("line 3: $.prompt", "must be a string, not a number"), problem.ToValidationError());
    }

    [Fact]
    public async Task ReadAsync_InvalidArrayItem_ReportsTheItemsPathFromTheBodysRoot()
    {
        // Arrange
        var body = """[{"prompt":"ok"},{"messages":[{"role":"robot","content":"hi"}]}]""";

        // Act
        var items = await ReadAsync(body);

        // Assert
        var problem = Assert.Single(items[1].Problems);
        Assert.Equal("$[1].messages[0].role", problem.ToValidationError().Path);
    }

    [Fact]
    public async Task ReadAsync_DuplicateCustomIdOwnIdAndOversizedItem_AreEachExplained()
    {
        // Arrange
        var big = new string('x', 3_000);
        var body = $$"""
            {"custom_id":"a","prompt":"one"}
            {"custom_id":"a","prompt":"two"}
            {"id":"a","prompt":"three"}
            {"prompt":"{{big}}"}
            [1]
            """;

        // Act
        var items = await ReadAsync(body);

        // Assert
        Assert.Contains("unique", Assert.Single(items[1].Problems).Message, StringComparison.Ordinal);
        Assert.Equal("line 3: $.id", Assert.Single(items[2].Problems).ToValidationError().Path);
        Assert.Contains("unique", items[2].Problems[0].Message, StringComparison.Ordinal);
        Assert.Contains("at most 2000", Assert.Single(items[3].Problems).Message, StringComparison.Ordinal);
        Assert.Contains("must be a job object", Assert.Single(items[4].Problems).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_BrokenJsonInArray_StopsWithOneProblemAtThatItem()
    {
        // Arrange
        var body = """[{"prompt":"ok"},{"prompt":]""";

        // Act
        var items = await ReadAsync(body);

        // Assert
        var problem = Assert.Single(items[^1].Problems).ToValidationError();
        Assert.Equal("$", problem.Path);
        Assert.Contains("not a valid JSON array", problem.Message, StringComparison.Ordinal);
        Assert.Contains("(line 1, position ", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_BrokenJsonLine_IsPlacedByTheFilesLineNotTheParsersLineZero()
    {
        // Arrange
        var body = "{\"prompt\":\"one\"}\n\n{\"prompt\":\"two\"}\n{\"prompt\": oops}\n";

        // Act
        var items = await ReadAsync(body);

        // Assert
        var problem = Assert.Single(items[^1].Problems).ToValidationError();
        Assert.Equal("line 4: $", problem.Path);
        Assert.Contains("(at byte 12 of the line)", problem.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", problem.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("line 1", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_ItemsWithIds_AreNamedByTheirIdKeptUnique()
    {
        // Arrange: files of single jobs, such as samples/prompts.jsonl, may name themselves.
        var body = """
            {"id":"haiku","prompt":"one"}
            {"prompt":"two"}
            {"id":"haiku","prompt":"three"}
            {"id":"both","custom_id":"c","prompt":"four"}
            """;

        // Act
        var items = await ReadAsync(body);

        // Assert
        Assert.Equal(("haiku", true), (items[0].CustomId, items[0].Problems.Count == 0));
        Assert.DoesNotContain("\"id\"", items[0].JobJson, StringComparison.Ordinal);
        Assert.Equal((null, true), (items[1].CustomId, items[1].Problems.Count == 0));
        Assert.Equal("line 3: $.id", Assert.Single(items[2].Problems).ToValidationError().Path);
        Assert.Equal("line 4: $.id", Assert.Single(items[3].Problems).ToValidationError().Path);
    }

    [Fact]
    public async Task ReadAsync_BodyOverTheLimit_Throws()
    {
        // Arrange
        var line = """{"prompt":"a prompt of some length"}""" + "\n";
        var body = string.Concat(Enumerable.Repeat(line, 64 * 1024 / line.Length + 10));

        // Act + Assert
        await Assert.ThrowsAsync<BatchBodyTooLargeException>(() => ReadAsync(body));
    }

    [Fact]
    public async Task ReadAsync_JsonlLineWithBytesThatAreNotUtf8_RefusesThatLineInsteadOfReplacingThem()
    {
        // Arrange: line 2 holds "Grüße" in Latin-1; a decoder would have turned it into U+FFFD and run it.
        byte[] body = [.. "{\"prompt\":\"one\"}\n{\"prompt\":\"Gr"u8, 0xFC, 0xDF, .. "e\"}\n{\"prompt\":\"three\"}\n"u8];

        // Act
        var items = await ReadAsync(body);

        // Assert
        Assert.Equal(3, items.Count);
        Assert.True(items[0].IsValid);
        Assert.True(items[2].IsValid);
        var problem = Assert.Single(items[1].Problems).ToValidationError();
        Assert.Equal("line 2: $.prompt", problem.Path);
        Assert.Contains("not valid Unicode text", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""[{"prompt":"ok"},{"custom_id":"\ud800","prompt":"x"}]""", "$[1].custom_id")]
    [InlineData("""[{"prompt":"ok"},{"\udc00":"x","prompt":"y"}]""", "$[1]")]
    [InlineData("{\"prompt\":\"ok\"}\n{\"id\":\"\\ud800\",\"prompt\":\"x\"}", "line 2: $.id")]
    [InlineData("{\"prompt\":\"ok\"}\n{\"prompt\":\"x\",\"stop\":[\"\\udfff\"]}", "line 2: $.stop[0]")]
    public async Task ReadAsync_UnpairedSurrogateEscape_IsThatItemsProblemNotACrash(string body, string path)
    {
        // Act
        var items = await ReadAsync(body);

        // Assert
        Assert.True(items[0].IsValid);
        Assert.Equal(path, Assert.Single(items[1].Problems).ToValidationError().Path);
    }

    private static Task<List<BatchBodyItem>> ReadAsync(string body) => ReadAsync(Encoding.UTF8.GetBytes(body));

    private static async Task<List<BatchBodyItem>> ReadAsync(byte[] body)
    {
        using var stream = new MemoryStream(body);
        var items = new List<BatchBodyItem>();
        await foreach (var item in new BatchBodyReader(Options, new JobLimits()).ReadAsync(stream, CancellationToken.None))
        {
            items.Add(item);
        }

        return items;
    }
}
