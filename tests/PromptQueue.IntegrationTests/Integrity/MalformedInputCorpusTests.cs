using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using PromptQueue.Contracts;
using PromptQueue.Core.Processing;
using PromptQueue.Core.Storage;
using PromptQueue.IntegrationTests.Http;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Integrity;

/// <summary>
/// Bytes careless senders produce (wrong encodings, unpaired surrogates, nesting, overflow, truncation, wrong types),
/// through every door a job comes in by: the queue, POST /api/jobs and POST /api/batches. None may crash a delivery
/// (which the Functions host would retry and then poison), none may answer 500, and each rejected message keeps its
/// payload exactly.
/// </summary>
[Collection(AzuriteTests.Name)]
public sealed class MalformedInputCorpusTests(AzuriteFixture azurite)
{
    /// <summary>Each case: a name, the bytes, and whether they make a valid batch body (a JSONL of two jobs does).</summary>
    public static readonly (string Name, byte[] Bytes, bool ValidBatch)[] Corpus =
    [
        ("lone high surrogate in prompt", Text("""{"prompt":"a\ud800b"}"""), false),
        ("lone low surrogate in prompt", Text("""{"prompt":"a\udc00"}"""), false),
        ("surrogates in the wrong order", Text("""{"prompt":"\udc00\ud800"}"""), false),
        ("lone surrogate in a property name", Text("""{"prompt":"a","\ud800":1}"""), false),
        ("lone surrogate in a metadata key", Text("""{"prompt":"a","metadata":{"\udbff":"v"}}"""), false),
        ("lone surrogate in a metadata value", Text("""{"prompt":"a","metadata":{"k":"\ud800"}}"""), false),
        ("lone surrogate in message content", Text("""{"messages":[{"role":"user","content":"x\ud800"}]}"""), false),
        ("lone surrogate in a content part", Text("""{"messages":[{"role":"user","content":[{"type":"text","text":"\udfff"}]}]}"""), false),
        ("lone surrogate in stop array", Text("""{"prompt":"a","stop":["\ud800"]}"""), false),
        ("lone surrogate in stop string", Text("""{"prompt":"a","stop":"\ud800"}"""), false),
        ("lone surrogate in model", Text("""{"prompt":"a","model":"openai/\ud800"}"""), false),
        ("lone surrogate in id", Text("""{"id":"job-\ud800","prompt":"a"}"""), false),
        ("lone surrogate in parent_job_id", Text("""{"prompt":"a","parent_job_id":"\ud800"}"""), false),
        ("lone surrogate in a tool name", Text("""{"prompt":"a","tools":[{"type":"function","function":{"name":"\ud800"}}]}"""), false),
        ("lone surrogate deep in tool parameters", Text("""{"prompt":"a","tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"\ud800":{"type":"string"}}}}}]}"""), false),
        ("lone surrogate in provider", Text("""{"prompt":"a","provider":{"order":["\ud800"]}}"""), false),
        ("lone surrogate in reasoning_details", Text("""{"messages":[{"role":"assistant","content":"c","reasoning_details":[{"type":"reasoning.text","text":"\ud800"}]},{"role":"user","content":"q"}]}"""), false),
        ("lone surrogate in the jobId of a reference", Text("""{"v":1,"jobId":"\ud800"}"""), false),
        ("truncated UTF-8 sequence", [.. "{\"prompt\":\"Gr"u8, 0xC3, 0x28, .. "\"}"u8], false),
        ("Latin-1 bytes", [.. "{\"prompt\":\"Gr"u8, 0xFC, 0xDF, .. "e\"}"u8], false),
        ("overlong UTF-8", [.. "{\"prompt\":\""u8, 0xC0, 0xAF, .. "\"}"u8], false),
        ("UTF-8 encoded surrogate", [.. "{\"prompt\":\""u8, 0xED, 0xA0, 0x80, .. "\"}"u8], false),
        ("invalid UTF-8 in a property name", [.. "{\"prompt\":\"a\",\""u8, 0xFF, .. "\":1}"u8], false),
        ("invalid byte outside any string", [.. "{\"prompt\":\"a\""u8, 0xFF, .. "}"u8], false),
        ("UTF-16LE with byte order mark", [0xFF, 0xFE, .. Encoding.Unicode.GetBytes("""{"prompt":"a"}""")], false),
        ("NUL bytes between tokens", [.. "{\"prompt\":"u8, 0x00, .. "\"a\"}"u8], false),
        ("truncated object", Text("""{"prompt":"ab"""), false),
        ("truncated escape", Text("""{"prompt":"\u12"}"""), false),
        ("raw line break inside a string", Text("{\"prompt\":\"a\nb\"}"), false),
        ("empty object", Text("{}"), false),
        ("empty array", Text("[]"), false),
        ("null", Text("null"), false),
        ("a number", Text("42"), false),
        ("a string", Text("\"prompt\""), false),
        ("whitespace only", Text("  \r\n "), false),
        ("trailing garbage", Text("""{"prompt":"a"} garbage"""), false),
        ("two jobs as JSONL", Text("{\"prompt\":\"a\"}\n{\"prompt\":\"b\"}"), true),
        ("nesting deeper than any parser allows", Text("""{"prompt":"a","provider":""" + new string('[', 5_000) + new string(']', 5_000) + "}"), false),
        ("number beyond double range", Text("""{"prompt":"a","temperature":1e400}"""), false),
        ("seed beyond 64 bits", Text("""{"prompt":"a","seed":1e30}"""), false),
        ("max_tokens beyond 32 bits", Text("""{"prompt":"a","max_tokens":1099511627776}"""), false),
        ("prompt of the wrong type", Text("""{"prompt":42}"""), false),
        ("messages as an object", Text("""{"messages":{"role":"user","content":"a"}}"""), false),
        ("message without a role", Text("""{"messages":[{"content":"a"}]}"""), false),
        ("a field given twice", Text("""{"prompt":"ok","prompt":123}"""), false),
        ("unknown contract version", Text("""{"v":2,"prompt":"a"}"""), false),
        ("prompt over the text limit", Text("""{"prompt":" """ + new string('x', new JobLimits().MaxTextChars + 1) + "\"}"), false),
    ];

    public static TheoryData<string> CaseNames => [.. Corpus.Select(c => c.Name)];

    /// <summary>The cases that fit a queue message (64 KiB of text, base64 included); the larger ones go by HTTP only.</summary>
    public static TheoryData<string> QueueCaseNames => [.. Corpus.Where(c => c.Bytes.Length <= 48 * 1024).Select(c => c.Name)];

    [Fact]
    public void Corpus_HoldsAtLeastFortyCases() => Assert.True(Corpus.Length >= 40, $"the corpus has only {Corpus.Length} cases");

    [Theory]
    [MemberData(nameof(QueueCaseNames))]
    public async Task Queue_MalformedMessage_IsRejectedOnceWithItsPayloadKept(string name)
    {
        // Arrange: a queue message is text that XML can carry, so the other cases go as base64, as many senders send.
        var (_, bytes, _) = Corpus.Single(c => c.Name == name);
        await using var app = await TestApp.StartAsync(azurite);
        var body = IsPlainMessageText(bytes) ? Encoding.UTF8.GetString(bytes) : Convert.ToBase64String(bytes);
        await app.JobQueue().SendMessageAsync(body);

        // Act: a throw here is what the host would retry five times and then move to the poison queue.
        var result = await app.ProcessNextAsync();

        // Assert
        Assert.Equal(JobOutcome.Rejected, result.Outcome);
        var record = (await app.Store.FindAsync(result.JobId, CancellationToken.None))!;
        Assert.Equal(JobStatus.Rejected, record.Status);
        Assert.False(string.IsNullOrWhiteSpace(record.ErrorMessage));
        Assert.Equal(body, await app.Store.ReadTextAsync(record, JobText.Payload, CancellationToken.None));
        Assert.Empty((await app.JobQueue().PeekMessagesAsync(32)).Value);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task HttpJobs_MalformedBody_IsAProblemWithAFieldPathNeverA500(string name)
    {
        // Arrange
        var (_, bytes, _) = Corpus.Single(c => c.Name == name);
        await using var app = await TestApp.StartAsync(azurite);
        await using var api = await ApiHost.StartAsync(app);

        // Act
        using var response = await api.Client.PostAsync("/api/jobs", Content(bytes));

        // Assert
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await AssertProblemAsync(response);
        Assert.Empty((await app.JobQueue().PeekMessagesAsync(32)).Value);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task HttpBatches_MalformedBody_IsAProblemNeverA500(string name)
    {
        // Arrange
        var (_, bytes, validBatch) = Corpus.Single(c => c.Name == name);
        await using var app = await TestApp.StartAsync(azurite);
        await using var api = await ApiHost.StartAsync(app);

        // Act
        using var response = await api.Client.PostAsync("/api/batches", Content(bytes));

        // Assert
        if (validBatch)
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            return;
        }

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await AssertProblemAsync(response);
    }

    [Fact]
    public async Task HttpBatches_ChunkedBodyOverTheLimit_IsTheSame413ProblemAsOneWithContentLength()
    {
        // Arrange
        await using var app = await TestApp.StartAsync(azurite, settings => settings["PromptQueue:Batches:MaxBodyBytes"] = "65536");
        await using var api = await ApiHost.StartAsync(app);
        var line = Encoding.UTF8.GetBytes("{\"prompt\":\"" + new string('x', 1_000) + "\"}\n");
        var body = Enumerable.Repeat(line, 100).SelectMany(b => b).ToArray();
        using var sized = new ByteArrayContent(body);
        using var chunked = new StreamContent(new NoLengthStream(body));
        chunked.Headers.ContentType = sized.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");

        // Act
        using var withLength = await api.Client.PostAsync("/api/batches", sized);
        using var withoutLength = await api.Client.PostAsync("/api/batches", chunked);

        // Assert
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, withLength.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, withoutLength.StatusCode);
        await AssertProblemAsync(withLength);
        await AssertProblemAsync(withoutLength);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.False(string.IsNullOrWhiteSpace(problem.RootElement.GetProperty("detail").GetString()));
    }

    private static ByteArrayContent Content(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private static byte[] Text(string text) => Encoding.UTF8.GetBytes(text);

    private static bool IsPlainMessageText(byte[] bytes) =>
        System.Text.Unicode.Utf8.IsValid(bytes)
        && Encoding.UTF8.GetString(bytes) is var text
        && text.TrimStart().StartsWith('{')
        && text.All(c => c >= ' ' || c is '\t' or '\r' or '\n');

    /// <summary>A body whose length HttpClient cannot know, so it goes out with chunked transfer encoding.</summary>
    private sealed class NoLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();
    }
}
