using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using PromptQueue.Contracts;

namespace PromptQueue.Client;

/// <summary>A batch body written as JSONL while it is sent, so a batch of any size is never held in memory whole.</summary>
internal sealed class JsonLinesContent : HttpContent
{
    public const string MediaType = "application/x-ndjson";

    private static readonly byte[] NewLine = "\n"u8.ToArray();
    private readonly IEnumerable<BatchItem> _items;

    public JsonLinesContent(IEnumerable<BatchItem> items)
    {
        _items = items;
        Headers.ContentType = new MediaTypeHeaderValue(MediaType) { CharSet = "utf-8" };
    }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        await SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        foreach (var item in _items)
        {
            await stream.WriteAsync(ToLine(item), cancellationToken);
            await stream.WriteAsync(NewLine, cancellationToken);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }

    /// <summary>The job's own fields plus <c>custom_id</c>, on one line.</summary>
    internal static byte[] ToLine(BatchItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var line = JsonSerializer.SerializeToNode(item.Job, ContractJson.Options)!.AsObject();
        if (item.CustomId is not null)
        {
            line["custom_id"] = item.CustomId;
        }

        return JsonSerializer.SerializeToUtf8Bytes(line, ContractJson.Options);
    }
}
