using Microsoft.Extensions.Options;
using PromptQueue.Contracts;
using PromptQueue.Core.Batches;

namespace PromptQueue.Core.Tests.Batches;

public sealed class BatchSchedulerTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 6, 0, 30, TimeSpan.Zero);

    [Fact]
    public void LatestOccurrence_WithinCatchUp_IsTheMostRecentOneOnly()
    {
        // Arrange: every minute, and it is 30 s past 06:00.
        var schedule = new BatchScheduleOptions { Cron = "*/1 * * * *" };

        // Act
        var latest = BatchScheduler.LatestOccurrence(schedule, Now, TimeSpan.FromHours(1));

        // Assert
        Assert.Equal(new DateTimeOffset(2026, 3, 10, 6, 0, 0, TimeSpan.Zero), latest);
    }

    [Fact]
    public void LatestOccurrence_OlderThanCatchUp_IsNone()
    {
        // Arrange: daily at 05:00 UTC; an hour and a half ago is past a one-hour catch-up.
        var schedule = new BatchScheduleOptions { Cron = "0 0 5 * * *" };

        // Act
        var latest = BatchScheduler.LatestOccurrence(schedule, Now.AddMinutes(30), TimeSpan.FromHours(1));

        // Assert
        Assert.Null(latest);
    }

    [Fact]
    public void LatestOccurrence_InATimeZone_FollowsItsClock()
    {
        // Arrange: 07:00 in Berlin is 06:00 UTC in March (CET, UTC+1).
        var schedule = new BatchScheduleOptions { Cron = "0 7 * * *", TimeZone = "Europe/Berlin" };

        // Act
        var latest = BatchScheduler.LatestOccurrence(schedule, Now, TimeSpan.FromMinutes(5));

        // Assert
        Assert.Equal(new DateTimeOffset(2026, 3, 10, 6, 0, 0, TimeSpan.Zero), latest!.Value.ToUniversalTime());
    }

    [Fact]
    public void JobsOf_Template_FillsEachVariableSetAsJsonStringContent()
    {
        // Arrange
        var schedule = new BatchScheduleOptions
        {
            Template = """{"prompt":"News about {{topic}}"}""",
            Variables = [new() { ["topic"] = "rust" }, new() { ["topic"] = "say \"hi\"" }],
        };

        // Act
        var jobs = BatchScheduler.JobsOf(schedule).ToList();

        // Assert
        Assert.Equal(["""{"prompt":"News about rust"}""", """{"prompt":"News about say \"hi\""}"""], jobs);
        Assert.All(jobs, job => Assert.True(PromptJobReader.Read(job, new JobLimits()).IsValid));
    }

    [Fact]
    public void Validate_BrokenSchedules_ListsEveryProblemWithItsSetting()
    {
        // Arrange
        var options = new BatchSchedulesOptions
        {
            Schedules =
            {
                ["digest"] = new() { Cron = "every day", Jobs = ["""{"prompt":"hi"}"""] },
                ["bad job"] = new() { Cron = "0 6 * * *", Jobs = ["""{"prompt":7}"""] },
                ["neither"] = new() { Cron = "0 6 * * *", TimeZone = "Mars/Olympus" },
            },
        };

        // Act
        var result = new BatchSchedulesValidator(Options.Create(new JobLimits())).Validate(null, options);

        // Assert
        Assert.True(result.Failed);
        var failures = result.Failures!.ToList();
        Assert.Contains(failures, f => f.StartsWith("PromptQueue:Schedules:digest:Cron", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("a schedule name is", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("job 0: $.prompt: must be a string", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("'Mars/Olympus' is not a known time zone", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("PromptQueue:Schedules:neither: give either Jobs", StringComparison.Ordinal));
    }

    [Fact]
    public void ForBatchItem_SameSecretAndIndex_GivesTheSameValidIdAndOtherwiseAnother()
    {
        // Arrange
        var secret = JobIds.NewBatchSecret();

        // Act
        var first = JobIds.ForBatchItem(secret, Now, 17);
        var again = JobIds.ForBatchItem(secret, Now, 17);
        var next = JobIds.ForBatchItem(secret, Now, 18);
        var otherBatch = JobIds.ForBatchItem(JobIds.NewBatchSecret(), Now, 17);

        // Assert
        Assert.Equal(first, again);
        Assert.NotEqual(first, next);
        Assert.NotEqual(first, otherBatch);
        Assert.True(PromptJobReader.IsValidJobId(first));
        Assert.Equal(JobIds.New(Now)[..14], first[..14]);
        Assert.Matches("^batch-[0-9a-z]{26}$", JobIds.NewBatchId(Now));
    }
}
