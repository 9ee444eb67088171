using System.Diagnostics;
using System.Diagnostics.Metrics;
using PromptQueue.Contracts;
using PromptQueue.Core.Storage;
using PromptQueue.Core.Telemetry;

namespace PromptQueue.Core.Tests.Telemetry;

public sealed class JobTelemetryTests
{
    private static readonly DateTimeOffset QueuedAt = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Completed_RecordWithTimesAndUsage_RecordsItsQueueTimeEndToEndTimeTokensAndCost()
    {
        // Arrange
        using var measurements = new MeasurementCapture();
        var record = new JobRecord
        {
            PartitionKey = "job-1",
            Status = JobStatus.Completed,
            RequestedModel = "openai/gpt-oss-120b:free",
            UsedModel = "openai/gpt-oss-120b",
            QueuedAt = QueuedAt,
            StartedAt = QueuedAt.AddSeconds(3),
            CompletedAt = QueuedAt.AddSeconds(45),
            PromptTokens = 120,
            CompletionTokens = 900,
            ReasoningTokens = 700,
            Cost = 0.0012,
        };

        // Act
        JobTelemetry.Completed(record);

        // Assert
        var completed = Assert.Single(measurements.Of(PromptQueueTelemetry.Instruments.JobsCompleted));
        Assert.Equal((1.0, "openai/gpt-oss-120b"), (completed.Value, completed.Tags["gen_ai.response.model"]));
        Assert.Equal(3.0, Assert.Single(measurements.Of(PromptQueueTelemetry.Instruments.JobQueueDuration)).Value);
        var endToEnd = Assert.Single(measurements.Of(PromptQueueTelemetry.Instruments.JobDuration));
        Assert.Equal((45.0, "completed"), (endToEnd.Value, endToEnd.Tags[JobTelemetry.OutcomeTag]));
        var tokens = measurements.Of(PromptQueueTelemetry.Instruments.JobTokens).ToDictionary(m => (string)m.Tags["gen_ai.token.type"]!, m => m.Value);
        Assert.Equal(new Dictionary<string, double> { ["input"] = 120, ["output"] = 900, ["reasoning"] = 700 }, tokens);
        Assert.Equal(0.0012, Assert.Single(measurements.Of(PromptQueueTelemetry.Instruments.JobCost)).Value);
    }

    [Fact]
    public void Failed_RecordThatNeverStarted_RecordsEndToEndTimeButNoQueueTime()
    {
        // Arrange
        using var measurements = new MeasurementCapture();
        var record = new JobRecord { PartitionKey = "job-2", Status = JobStatus.Failed, QueuedAt = QueuedAt, CompletedAt = QueuedAt.AddSeconds(2), ErrorCode = "invalid_job" };

        // Act
        JobTelemetry.Failed(record);

        // Assert
        Assert.Equal("invalid_job", Assert.Single(measurements.Of(PromptQueueTelemetry.Instruments.JobsFailed)).Tags["error.type"]);
        Assert.Equal("failed", Assert.Single(measurements.Of(PromptQueueTelemetry.Instruments.JobDuration)).Tags[JobTelemetry.OutcomeTag]);
        Assert.Empty(measurements.Of(PromptQueueTelemetry.Instruments.JobQueueDuration));
    }

    [Theory]
    [InlineData(JobStatus.Running, JobTelemetry.HeldByClaim)]
    [InlineData(JobStatus.Waiting, JobTelemetry.HeldUntilDue)]
    public void Held_RecordHeldElsewhereOrNotDue_CountsADeferralWithThatReason(JobStatus status, string expectedReason)
    {
        // Arrange
        using var measurements = new MeasurementCapture();
        var record = new JobRecord { PartitionKey = "job-3", Status = status };

        // Act
        JobTelemetry.Held(record);

        // Assert
        var deferred = Assert.Single(measurements.Of(PromptQueueTelemetry.Instruments.JobsDeferred));
        Assert.Equal((1.0, expectedReason), (deferred.Value, deferred.Tags[JobTelemetry.ReasonTag]));
    }

    [Fact]
    public void RejectedAndDeadLettered_Called_CountOneEach()
    {
        // Arrange
        using var measurements = new MeasurementCapture();

        // Act
        JobTelemetry.Rejected();
        JobTelemetry.DeadLettered();

        // Assert
        Assert.Equal(1.0, Assert.Single(measurements.Of(PromptQueueTelemetry.Instruments.JobsRejected)).Value);
        Assert.Equal(1.0, Assert.Single(measurements.Of(PromptQueueTelemetry.Instruments.JobsDeadLettered)).Value);
    }

    /// <summary>
    /// Listens to PromptQueue's meter and keeps only the measurements taken inside this test's own span, so that tests
    /// running at the same time cannot add to them.
    /// </summary>
    private sealed class MeasurementCapture : IDisposable
    {
        private const string TestSourceName = "PromptQueue.Core.Tests";
        private static readonly ActivitySource TestSource = new(TestSourceName);

        private readonly List<(string Instrument, double Value, Dictionary<string, object?> Tags)> _measurements = [];
        private readonly ActivityListener _activities;
        private readonly MeterListener _meters = new();
        private readonly Activity _root;

        public MeasurementCapture()
        {
            _activities = new ActivityListener
            {
                // By name: comparing with TestSource itself would read the field while it is still being initialised.
                ShouldListenTo = source => source.Name == TestSourceName,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            };
            ActivitySource.AddActivityListener(_activities);
            _root = TestSource.StartActivity("job telemetry test") ?? throw new InvalidOperationException("The test's root span was not sampled.");

            _meters.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == PromptQueueTelemetry.Name)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
            _meters.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
            _meters.Start();
        }

        public List<(string Instrument, double Value, Dictionary<string, object?> Tags)> Of(string instrument)
        {
            lock (_measurements)
            {
                return _measurements.Where(m => m.Instrument == instrument).ToList();
            }
        }

        public void Dispose()
        {
            _meters.Dispose();
            _root.Dispose();
            _activities.Dispose();
        }

        private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (Activity.Current?.TraceId != _root.TraceId)
            {
                return;
            }

            var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var tag in tags)
            {
                copy[tag.Key] = tag.Value;
            }

            lock (_measurements)
            {
                _measurements.Add((instrument.Name, value, copy));
            }
        }
    }
}
