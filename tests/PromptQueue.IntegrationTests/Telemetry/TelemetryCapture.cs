using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using PromptQueue.Core.Telemetry;

namespace PromptQueue.IntegrationTests.Telemetry;

/// <summary>
/// Collects PromptQueue's spans and metrics with OpenTelemetry's in-memory exporters, subscribed by name exactly as
/// the hosts subscribe. Everything the test does runs under a root span of its own, and only PromptQueue spans of
/// that trace are kept. Metrics carry no trace, so the tests that use this run in the Azurite collection: one test at
/// a time, and every in-process job of this assembly runs in that collection.
/// </summary>
internal sealed class TelemetryCapture : IDisposable
{
    private static readonly ActivitySource TestSource = new("PromptQueue.IntegrationTests");

    private readonly List<Activity> _spans = [];
    private readonly List<MetricSnapshot> _metrics = [];
    private readonly TracerProvider _tracing;
    private readonly MeterProvider _metering;
    private readonly Activity _root;

    public TelemetryCapture()
    {
        _tracing = Sdk.CreateTracerProviderBuilder().AddSource(PromptQueueTelemetry.Name, TestSource.Name).AddInMemoryExporter(_spans).Build()!;
        _metering = Sdk.CreateMeterProviderBuilder().AddMeter(PromptQueueTelemetry.Name).AddInMemoryExporter(_metrics).Build()!;
        _root = TestSource.StartActivity("telemetry test") ?? throw new InvalidOperationException("The test's root span was not sampled.");
    }

    /// <summary>The PromptQueue spans of this test that have ended.</summary>
    public IReadOnlyList<Activity> Spans()
    {
        _tracing.ForceFlush();
        return _spans.Where(s => s.TraceId == _root.TraceId && s.Source.Name == PromptQueueTelemetry.Name).ToList();
    }

    /// <summary>The model-call spans of this test: the GenAI <c>chat {model}</c> Client spans.</summary>
    public IReadOnlyList<Activity> ChatSpans() =>
        Spans().Where(s => s.Kind == ActivityKind.Client && s.DisplayName.StartsWith(ChatSpanPrefix, StringComparison.Ordinal)).ToList();

    private const string ChatSpanPrefix = "chat ";

    /// <summary>Every point recorded so far on the instrument <paramref name="name"/>; none when it recorded nothing.</summary>
    public IReadOnlyList<MetricValue> Metric(string name)
    {
        _metrics.Clear();
        _metering.ForceFlush();
        var snapshot = _metrics.LastOrDefault(m => m.Name == name);
        return snapshot is null ? [] : snapshot.MetricPoints.Select(point => MetricValue.From(snapshot, point)).ToList();
    }

    /// <summary>The unit the instrument <paramref name="name"/> declared.</summary>
    public string? UnitOf(string name)
    {
        _metrics.Clear();
        _metering.ForceFlush();
        return _metrics.LastOrDefault(m => m.Name == name)?.Unit;
    }

    public void Dispose()
    {
        _root.Dispose();
        _metering.Dispose();
        _tracing.Dispose();
    }
}

/// <summary>One metric point: its tags, and its sum and count (a counter's count is its sum).</summary>
internal sealed record MetricValue(IReadOnlyDictionary<string, object?> Tags, double Sum, long Count)
{
    public static MetricValue From(MetricSnapshot snapshot, MetricPoint point)
    {
        var tags = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in point.Tags)
        {
            tags[tag.Key] = tag.Value;
        }

        return snapshot.MetricType switch
        {
            MetricType.Histogram => new MetricValue(tags, point.GetHistogramSum(), point.GetHistogramCount()),
            MetricType.LongSum => new MetricValue(tags, point.GetSumLong(), point.GetSumLong()),
            MetricType.DoubleSum => new MetricValue(tags, point.GetSumDouble(), (long)point.GetSumDouble()),
            _ => throw new NotSupportedException($"Metric {snapshot.Name} has type {snapshot.MetricType}."),
        };
    }

    public object? this[string tag] => Tags.GetValueOrDefault(tag);
}
