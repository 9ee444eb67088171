using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PromptQueue.Contracts;
using PromptQueue.Core.OpenRouter;
using PromptQueue.Core.Processing;
using PromptQueue.Core.Storage;

namespace PromptQueue.Core.Tests.Processing;

public sealed class JobTransitionsTests
{
    private static readonly JobLifecycle Lifecycle = new(
        new ChatRequestFactory(Options.Create(new OpenRouterOptions())), new FakeTimeProvider(DateTimeOffset.UnixEpoch));

    /// <summary>Every status change the lifecycle makes, as (from, to) pairs: the table in JobTransitions, and no more.</summary>
    public static TheoryData<JobStatus, JobStatus> AllowedChanges => new()
    {
        { JobStatus.Queued, JobStatus.Running }, { JobStatus.Queued, JobStatus.Cancelled }, { JobStatus.Queued, JobStatus.DeadLettered },
        { JobStatus.Waiting, JobStatus.Running }, { JobStatus.Waiting, JobStatus.Cancelled }, { JobStatus.Waiting, JobStatus.DeadLettered },
        { JobStatus.Running, JobStatus.Running }, { JobStatus.Running, JobStatus.Waiting }, { JobStatus.Running, JobStatus.Completed },
        { JobStatus.Running, JobStatus.Failed }, { JobStatus.Running, JobStatus.DeadLettered },
        { JobStatus.Failed, JobStatus.Queued }, { JobStatus.DeadLettered, JobStatus.Queued },
    };

    [Fact]
    public void IsAllowed_EveryPairOfStatuses_OnlyTheListedChanges()
    {
        // Arrange
        var listed = AllowedChanges.Select(row => ((JobStatus)row[0], (JobStatus)row[1])).ToHashSet();

        // Act
        var allowed = Enum.GetValues<JobStatus>()
            .SelectMany(from => Enum.GetValues<JobStatus>().Select(to => (from, to)))
            .Where(pair => JobTransitions.IsAllowed(pair.from, pair.to))
            .ToHashSet();

        // Assert: the final statuses go nowhere; nothing skips Running on its way to an answer.
        Assert.Equal(listed.Order(), allowed.Order());
    }

    [Theory]
    [InlineData(JobStatus.Running)]
    [InlineData(JobStatus.Completed)]
    [InlineData(JobStatus.Failed)]
    public void MarkCancelled_JobPastQueuedOrWaiting_ThrowsAndChangesNothing(JobStatus status)
    {
        // Arrange
        var record = new JobRecord { PartitionKey = "job-1", Status = status };

        // Act
        var thrown = Assert.Throws<InvalidOperationException>(() => Lifecycle.MarkCancelled(record));

        // Assert
        Assert.Contains($"cannot go from {status} to Cancelled", thrown.Message, StringComparison.Ordinal);
        Assert.Equal((status, (DateTimeOffset?)null), (record.Status, record.CompletedAt));
    }

    [Theory]
    [InlineData(JobStatus.Completed)]
    [InlineData(JobStatus.Rejected)]
    [InlineData(JobStatus.Running)]
    public void MarkRetried_JobNotFailedOrDeadLettered_Throws(JobStatus status)
    {
        // Arrange
        var record = new JobRecord { PartitionKey = "job-1", Status = status };

        // Act and assert
        Assert.Throws<InvalidOperationException>(() => Lifecycle.MarkRetried(record));
        Assert.Equal(status, record.Status);
    }

    [Fact]
    public void MarkWaiting_QueuedJobThatWasNeverClaimed_Throws()
    {
        // Arrange: a job waits only after a worker holds it (for its slot, its backoff or its parent).
        var record = new JobRecord { PartitionKey = "job-1", Status = JobStatus.Queued };

        // Act and assert
        Assert.Throws<InvalidOperationException>(() => JobLifecycle.MarkWaiting(record, DateTimeOffset.UnixEpoch, WaitReason.Spacing, null));
    }

    [Fact]
    public void DeadLettered_NewRecordForAPoisonMessage_IsAllowed()
    {
        // Act
        var record = Lifecycle.DeadLettered("job-1", "{\"prompt\":1}");

        // Assert
        Assert.Equal(JobStatus.DeadLettered, record.Status);
    }
}
