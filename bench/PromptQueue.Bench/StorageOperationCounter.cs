using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using PromptQueue.Core.Storage;

namespace PromptQueue.Bench;

/// <summary>
/// Counts the storage requests PromptQueue's hosts send, by kind (a table read, a queue receive, ...): a policy in
/// the Azure SDK's pipeline of the clients the hosts are given, so the benchmark's own polling is not counted.
/// </summary>
/// <remarks>
/// Each try is counted, retries included: what the storage account is asked to do. A table's rows are told apart by
/// partition, so the job row, the indexes in the job table and the budget each show their own share.
/// </remarks>
internal sealed class StorageOperationCounter
{
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

    /// <summary>The counts so far, by kind.</summary>
    public IReadOnlyDictionary<string, int> Snapshot() => new Dictionary<string, int>(_counts, StringComparer.Ordinal);

    /// <summary>Queue clients as the product builds them, with this counter in their pipeline.</summary>
    public QueueServiceClient Queues(string connectionString)
    {
        var options = StorageClients.QueueOptions;
        options.AddPolicy(new Policy(this, QueueKind), HttpPipelinePosition.PerRetry);
        return new QueueServiceClient(connectionString, options);
    }

    /// <summary>Table clients as the product builds them, with this counter in their pipeline.</summary>
    public TableServiceClient Tables(string connectionString)
    {
        var options = new TableClientOptions();
        options.AddPolicy(new Policy(this, TableKind), HttpPipelinePosition.PerRetry);
        return new TableServiceClient(connectionString, options);
    }

    /// <summary>The operations counted between two snapshots, by kind.</summary>
    public static Dictionary<string, int> Since(IReadOnlyDictionary<string, int> after, IReadOnlyDictionary<string, int> before) =>
        after.Select(kind => (kind.Key, Count: kind.Value - before.GetValueOrDefault(kind.Key)))
            .Where(kind => kind.Count > 0)
            .ToDictionary(kind => kind.Key, kind => kind.Count, StringComparer.Ordinal);

    /// <summary>Names a queue request: its address ends in /{queue}, /{queue}/messages or /{queue}/messages/{id}.</summary>
    internal static string QueueKind(Request request)
    {
        var path = request.Uri.Path;
        var method = request.Method.Method;
        if (!path.Contains("/messages", StringComparison.Ordinal))
        {
            return method == "PUT" ? "queue create" : $"queue {Lower(method)} (queue itself)";
        }

        var oneMessage = !path.EndsWith("/messages", StringComparison.Ordinal);
        return (method, oneMessage) switch
        {
            ("POST", _) => "queue send",
            ("GET", false) when request.Uri.Query.Contains("peekonly=true", StringComparison.OrdinalIgnoreCase) => "queue peek",
            ("GET", false) => "queue receive",
            ("PUT", true) => "queue update (visibility)",
            ("DELETE", true) => "queue delete",
            _ => $"queue {Lower(method)} messages",
        };
    }

    /// <summary>Names a table request: its address ends in /{table}(keys), /{table}() with a filter, /{table}, /Tables or /$batch.</summary>
    internal static string TableKind(Request request)
    {
        var path = Uri.UnescapeDataString(request.Uri.Path);
        var method = request.Method.Method;
        if (path.EndsWith("/$batch", StringComparison.Ordinal))
        {
            // The table is named only inside the body, in the address of each operation.
            return $"table transaction ({TableIn(BodyOf(request))})";
        }

        if (path.EndsWith("/Tables", StringComparison.Ordinal) || path.Contains("/Tables('", StringComparison.Ordinal))
        {
            return $"table {Lower(method)} table";
        }

        var name = path[(path.LastIndexOf('/') + 1)..];
        var keys = name.IndexOf('(', StringComparison.Ordinal);
        var table = TableIn("/" + name);
        if (keys < 0 || name.EndsWith("()", StringComparison.Ordinal))
        {
            return method switch
            {
                "GET" => $"table query ({Rows(table, Uri.UnescapeDataString(request.Uri.Query))})",
                "POST" => $"table insert ({table})",
                _ => $"table {Lower(method)} ({table})",
            };
        }

        var rows = Rows(table, name[keys..]);
        var conditional = request.Headers.TryGetValue("If-Match", out var match) && match != "*";
        return method switch
        {
            "GET" => $"table read ({rows})",
            "PUT" or "MERGE" or "PATCH" when conditional => $"table update ({rows})",
            "PUT" => $"table upsert ({rows})",
            "MERGE" or "PATCH" => $"table merge ({rows})",
            "DELETE" => $"table delete ({rows})",
            _ => $"table {Lower(method)} ({rows})",
        };
    }

    /// <summary>Which of the product's tables an address names (the benchmark gives the job and budget tables a suffix).</summary>
    private static string TableIn(string text) =>
        text.Contains("/Jobs", StringComparison.Ordinal) ? "jobs"
        : text.Contains("/Budget", StringComparison.Ordinal) ? "budget"
        : text.Contains("/PromptBatches", StringComparison.Ordinal) ? "batches: usage"
        : "other table";

    /// <summary>Which rows of the job table a request touches, from the partition key in its address or filter; see src/PromptQueue.Core/Storage/README.md.</summary>
    private static string Rows(string table, string keysOrFilter) =>
        table != "jobs" ? table
        : keysOrFilter.Contains("'~unfinished'", StringComparison.Ordinal) ? "jobs: unfinished index"
        : keysOrFilter.Contains("'~created-", StringComparison.Ordinal) ? "jobs: created index"
        : keysOrFilter.Contains("'~", StringComparison.Ordinal) ? "jobs: special partition"
        : keysOrFilter.Contains("PartitionKey", StringComparison.Ordinal) ? "jobs: job row"
        : "jobs: whole table";

    private static string BodyOf(Request request)
    {
        if (request.Content is not { } content)
        {
            return "";
        }

        // A request's content can be written again (the pipeline retries with it), so reading it here changes nothing.
        using var buffer = new MemoryStream();
        content.WriteTo(buffer, CancellationToken.None);
        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static string Lower(string method) => method.ToLowerInvariant();

    private void Count(string kind) => _counts.AddOrUpdate(kind, 1, (_, count) => count + 1);

    /// <summary>Counts every try of every request the client sends, named by <paramref name="kind"/>.</summary>
    private sealed class Policy(StorageOperationCounter counter, Func<Request, string> kind) : HttpPipelineSynchronousPolicy
    {
        public override void OnSendingRequest(HttpMessage message)
        {
            ArgumentNullException.ThrowIfNull(message);
            counter.Count(kind(message.Request));
        }
    }
}
