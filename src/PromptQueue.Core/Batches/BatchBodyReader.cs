using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using PromptQueue.Contracts;

namespace PromptQueue.Core.Batches;

/// <summary>One problem with one item of a batch body.</summary>
/// <param name="Index">The item's position in the body, from 0; -1 when the body itself is broken at no item in particular.</param>
/// <param name="Line">The line of a JSONL body; null for a JSON array.</param>
/// <param name="Path">Where in the item, as a JSON path from the item's root (<c>$.messages[0].role</c>).</param>
/// <param name="Message">What is wrong.</param>
public sealed record BatchItemProblem(int Index, int? Line, string Path, string Message)
{
    /// <summary>The problem as the API reports it: <c>$[17].messages[0].role</c>, or <c>line 18: $.messages[0].role</c>.</summary>
    public JobValidationError ToValidationError() =>
        Line is { } line ? new($"line {line}: {Path}", Message)
        : Index < 0 ? new(Path, Message)
        : new("$[" + Index + "]" + Path[1..], Message);
}

/// <summary>One item read from a batch body: its job JSON (without <c>custom_id</c>) and custom id, or its problems.</summary>
public sealed record BatchBodyItem(int Index, int? Line, string? CustomId, string? JobJson, IReadOnlyList<BatchItemProblem> Problems)
{
    public bool IsValid => Problems.Count == 0;
}

/// <summary>The body is larger than the configured limit.</summary>
public sealed class BatchBodyTooLargeException(long limit) : Exception($"the batch body is larger than {limit} bytes")
{
    public long Limit { get; } = limit;
}

/// <summary>
/// Reads a batch body, a JSON array or JSONL, one item at a time: memory holds one item, never the whole batch.
/// Each item is a v1 job plus an optional <c>custom_id</c>, checked by <see cref="PromptJobReader"/>.
/// </summary>
/// <remarks>
/// An item's own <c>id</c> names it, as <c>custom_id</c> does: a file of single jobs, which may carry ids, is a valid
/// batch as it stands. The job ids themselves always come from the batch.
/// </remarks>
public sealed class BatchBodyReader(BatchOptions options, JobLimits limits)
{
    public const int MaxCustomIdChars = 256;

    private readonly HashSet<string> _customIds = new(StringComparer.Ordinal);

    public async IAsyncEnumerable<BatchBodyItem> ReadAsync(Stream body, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        var bounded = new BoundedReadStream(body, options.MaxBodyBytes);
        var first = await bounded.PeekFirstNonWhitespaceAsync(cancellationToken);
        if (first == '[')
        {
            await foreach (var item in ReadArrayAsync(bounded, cancellationToken))
            {
                yield return item;
            }
        }
        else
        {
            await foreach (var item in ReadLinesAsync(bounded, cancellationToken))
            {
                yield return item;
            }
        }
    }

    private async IAsyncEnumerable<BatchBodyItem> ReadArrayAsync(Stream body, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var index = 0;
        await using var elements = JsonSerializer.DeserializeAsyncEnumerable<JsonElement>(body, cancellationToken: cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            BatchBodyItem? failure = null;
            try
            {
                if (!await elements.MoveNextAsync())
                {
                    break;
                }
            }
            catch (JsonException ex)
            {
                // The reader reads ahead, so the broken spot may lie in a later item than the last one seen: its position says where.
                failure = new BatchBodyItem(index, null, null, null, [new BatchItemProblem(-1, null, "$", $"the body is not a valid JSON array: {Describe(ex)}")]);
            }

            if (failure is not null)
            {
                yield return failure;
                yield break;
            }

            yield return ReadItem(elements.Current, index++, line: null);
        }
    }

    private async IAsyncEnumerable<BatchBodyItem> ReadLinesAsync(Stream body, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Lines are split as bytes and parsed as UTF-8 JSON, never decoded to text first: a decoder would replace
        // bytes that are not UTF-8 with U+FFFD and run a prompt nobody wrote, where the reader refuses them.
        var index = 0;
        var lineNumber = 0;
        await foreach (var line in ReadLineBytesAsync(body, cancellationToken))
        {
            lineNumber++;
            var content = TrimJsonWhitespace(lineNumber == 1 && line.AsSpan().StartsWith(Utf8Bom) ? line.AsMemory(Utf8Bom.Length) : line);
            if (content.IsEmpty)
            {
                continue;
            }

            yield return ReadLine(content, index++, lineNumber);
        }
    }

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    private static ReadOnlyMemory<byte> TrimJsonWhitespace(ReadOnlyMemory<byte> line)
    {
        var span = line.Span;
        var start = 0;
        var end = span.Length;
        while (start < end && span[start] is (byte)' ' or (byte)'\t' or (byte)'\r')
        {
            start++;
        }

        while (end > start && span[end - 1] is (byte)' ' or (byte)'\t' or (byte)'\r')
        {
            end--;
        }

        return line[start..end];
    }

    /// <summary>The body's lines as bytes, without their '\n'; memory holds one line and one read buffer.</summary>
    private static async IAsyncEnumerable<byte[]> ReadLineBytesAsync(Stream body, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        var line = new ArrayBufferWriter<byte>();
        try
        {
            int read;
            while ((read = await body.ReadAsync(buffer.AsMemory(), cancellationToken)) > 0)
            {
                var rest = buffer.AsMemory(0, read);
                int newline;
                while ((newline = rest.Span.IndexOf((byte)'\n')) >= 0)
                {
                    line.Write(rest.Span[..newline]);
                    yield return line.WrittenSpan.ToArray();
                    line.ResetWrittenCount();
                    rest = rest[(newline + 1)..];
                }

                line.Write(rest.Span);
            }

            if (line.WrittenCount > 0)
            {
                yield return line.WrittenSpan.ToArray();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private BatchBodyItem ReadLine(ReadOnlyMemory<byte> line, int index, int lineNumber)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException ex)
        {
            // The problem carries the file's line number; the parser's own counts lines within this one line.
            return new BatchBodyItem(index, lineNumber, null, null, [new BatchItemProblem(index, lineNumber, "$", $"not valid JSON: {Describe(ex, withinLine: true)}")]);
        }

        using (document)
        {
            return ReadItem(document.RootElement, index, lineNumber);
        }
    }

    private BatchBodyItem ReadItem(JsonElement element, int index, int? line)
    {
        var problems = new List<BatchItemProblem>();
        void Problem(string path, string message) => problems.Add(new BatchItemProblem(index, line, path, message));

        foreach (var error in PromptJobReader.CheckWellFormed(element))
        {
            Problem(error.Path, error.Message);
        }

        if (problems.Count > 0)
        {
            // Nothing below can read the item's strings.
            return new BatchBodyItem(index, line, null, null, problems);
        }

        var raw = element.GetRawText();
        if (raw.Length > options.MaxItemChars)
        {
            Problem("$", $"the item is {raw.Length} characters of JSON; a batch item may hold at most {options.MaxItemChars}");
            return new BatchBodyItem(index, line, null, null, problems);
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            Problem("$", "a batch item must be a job object, such as {\"custom_id\":\"a1\",\"prompt\":\"...\"}");
            return new BatchBodyItem(index, line, null, null, problems);
        }

        string? customId = null;
        if (element.TryGetProperty("custom_id", out var custom) && custom.ValueKind != JsonValueKind.Null)
        {
            customId = custom.ValueKind == JsonValueKind.String ? custom.GetString() : null;
            if (customId is not { Length: > 0 and <= MaxCustomIdChars })
            {
                Problem("$.custom_id", $"must be a string of 1 to {MaxCustomIdChars} characters");
                customId = null;
            }
            else if (!_customIds.Add(customId))
            {
                Problem("$.custom_id", $"'{customId}' is used by an earlier item; custom ids must be unique within a batch");
            }
        }

        if (element.TryGetProperty("id", out var id))
        {
            if (customId is not null)
            {
                Problem("$.id", "give either 'id' or 'custom_id' to name an item, not both");
            }
            else if (id.ValueKind != JsonValueKind.String || id.GetString() is not { Length: > 0 and <= MaxCustomIdChars } name)
            {
                Problem("$.id", $"must be a string of 1 to {MaxCustomIdChars} characters");
            }
            else if (!_customIds.Add(name))
            {
                Problem("$.id", $"'{name}' is used by an earlier item; item names (id or custom_id) must be unique within a batch");
            }
            else
            {
                customId = name;
            }
        }

        var jobJson = WithoutBatchFields(element);
        var read = PromptJobReader.Read(Encoding.UTF8.GetBytes(jobJson), limits);
        foreach (var error in read.Errors)
        {
            Problem(error.Path, error.Message);
        }

        return problems.Count > 0 ? new BatchBodyItem(index, line, customId, null, problems) : new BatchBodyItem(index, line, customId, jobJson, []);
    }

    /// <summary>The job alone: the item minus the fields that belong to the batch.</summary>
    private static string WithoutBatchFields(JsonElement item)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var property in item.EnumerateObject())
            {
                if (property.Name is not ("custom_id" or "id"))
                {
                    property.WriteTo(writer);
                }
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The parser's message without its "Path: $ | LineNumber: 0" tail, with the place in words people count in (from 1).</summary>
    private static string Describe(JsonException ex, bool withinLine = false)
    {
        var message = ex.Message;
        var cut = new[] { message.IndexOf(" Path:", StringComparison.Ordinal), message.IndexOf(" LineNumber:", StringComparison.Ordinal) }.Where(i => i > 0).DefaultIfEmpty(-1).Min();
        message = (cut > 0 ? message[..cut] : message).TrimEnd('.', ' ');
        return (ex.LineNumber, ex.BytePositionInLine) switch
        {
            ({ }, { } position) when withinLine => $"{message} (at byte {position + 1} of the line)",
            ({ } lineNumber, { } position) => $"{message} (line {lineNumber + 1}, position {position + 1})",
            _ => message,
        };
    }

    /// <summary>Reads the body once, counting bytes against the limit, and lets the first byte be peeked.</summary>
    private sealed class BoundedReadStream(Stream inner, long limit) : Stream
    {
        private readonly byte[] _peeked = new byte[1];
        private bool _hasPeeked;
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _read; set => throw new NotSupportedException(); }

        /// <summary>Skips whitespace and a byte order mark and returns the first meaningful byte, which stays unread.</summary>
        public async Task<int> PeekFirstNonWhitespaceAsync(CancellationToken cancellationToken)
        {
            while (await ReadAsync(_peeked.AsMemory(0, 1), cancellationToken) == 1)
            {
                if (_peeked[0] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or 0xEF or 0xBB or 0xBF)
                {
                    continue;
                }

                _hasPeeked = true;
                return _peeked[0];
            }

            return -1;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (buffer.Length == 0)
            {
                return 0;
            }

            if (_hasPeeked)
            {
                _hasPeeked = false;
                buffer.Span[0] = _peeked[0];
                return 1;
            }

            var count = await inner.ReadAsync(buffer, cancellationToken);
            _read += count;
            if (_read > limit)
            {
                throw new BatchBodyTooLargeException(limit);
            }

            return count;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
