using System.Text.Json;
using PromptQueue.Contracts;
using PromptQueue.Contracts.Api;
using PromptQueue.Core.Budget;
using PromptQueue.Core.OpenRouter;
using PromptQueue.Core.Processing;
using PromptQueue.Core.Storage;

namespace PromptQueue.Core.Tests.Contracts;

public sealed class WaitReasonTests
{
    /// <summary>Every wait reason stored before the set was closed: RetryReason and BudgetWait names and three literals.</summary>
    public static TheoryData<string, WaitReason> OldStrings => new()
    {
        { "Spacing", WaitReason.Spacing },
        { "BlockedUntilReset", WaitReason.BlockedUntilReset },
        { "DailyLimit", WaitReason.DailyLimit },
        { "Paused", WaitReason.Paused },
        { "RateLimitedPerMinute", WaitReason.RateLimitedPerMinute },
        { "RateLimitedPerDay", WaitReason.RateLimitedPerDay },
        { "RateLimited", WaitReason.RateLimited },
        { "UpstreamRateLimited", WaitReason.UpstreamRateLimited },
        { "ServerError", WaitReason.ServerError },
        { "Timeout", WaitReason.Timeout },
        { "NetworkError", WaitReason.NetworkError },
        { "MidStreamError", WaitReason.MidStreamError },
        { "EmptyResponse", WaitReason.EmptyResponse },
        { "MalformedResponse", WaitReason.MalformedResponse },
        { "CapacityExhausted", WaitReason.CapacityExhausted },
        { "AccountProblem", WaitReason.AccountProblem },
        { "Parent", WaitReason.Parent },
        { "Released", WaitReason.Released },
    };

    public static TheoryData<WaitReason> Values => new(Enum.GetValues<WaitReason>());

    [Theory]
    [MemberData(nameof(OldStrings))]
    public void Parse_NameStoredBeforeTheSetWasClosed_IsThatValue(string stored, WaitReason expected)
    {
        // Act
        var reason = WaitReasons.Parse(stored);

        // Assert
        Assert.Equal(expected, reason);
        Assert.Equal(stored, reason.ToString());
    }

    [Theory]
    [InlineData("Transient")]
    [InlineData("SomethingNewer")]
    [InlineData("3")]
    [InlineData("Rate Limited")]
    public void Parse_UnknownName_IsTheFallback(string stored)
    {
        // Act
        var reason = WaitReasons.Parse(stored);

        // Assert
        Assert.Equal(WaitReason.Unknown, WaitReasons.Fallback);
        Assert.Equal(WaitReasons.Fallback, reason);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Parse_NoName_IsNoReason(string? stored)
    {
        // Act
        var reason = WaitReasons.Parse(stored);

        // Assert
        Assert.Null(reason);
    }

    [Fact]
    public void Parse_OtherCaseOrSpaces_IsTheValue()
    {
        // Act
        var reasons = new[] { "dailylimit", "DAILYLIMIT", " DailyLimit " }.Select(WaitReasons.Parse);

        // Assert
        Assert.All(reasons, reason => Assert.Equal(WaitReason.DailyLimit, reason));
    }

    [Theory]
    [MemberData(nameof(Values))]
    public void Json_EveryValue_RoundTripsAsItsName(WaitReason reason)
    {
        // Arrange
        var view = new JobView { Id = "job-1", Status = JobStatus.Waiting, WaitReason = reason };

        // Act
        var json = JsonSerializer.Serialize(view, ContractJson.Options);
        var readBack = JsonSerializer.Deserialize<JobView>(json, ContractJson.Options);

        // Assert
        Assert.Contains($"\"wait_reason\":\"{reason}\"", json, StringComparison.Ordinal);
        Assert.Equal(reason, readBack!.WaitReason);
        Assert.Equal($"\"{reason}\"", JsonSerializer.Serialize(reason, ContractJson.Options));
    }

    [Theory]
    [MemberData(nameof(OldStrings))]
    public void Json_OldName_ReadsAsThatValue(string name, WaitReason expected)
    {
        // Act
        var view = JsonSerializer.Deserialize<JobView>($$"""{"id":"job-1","status":"Waiting","wait_reason":"{{name}}"}""", ContractJson.Options);

        // Assert
        Assert.Equal(expected, view!.WaitReason);
    }

    [Fact]
    public void Json_UnknownName_ReadsAsTheFallback()
    {
        // Act
        var view = JsonSerializer.Deserialize<JobView>("""{"id":"job-1","status":"Waiting","wait_reason":"SomethingNewer"}""", ContractJson.Options);

        // Assert
        Assert.Equal(WaitReasons.Fallback, view!.WaitReason);
    }

    [Fact]
    public void Json_NoReason_IsLeftOutAndReadsAsNull()
    {
        // Act
        var json = JsonSerializer.Serialize(new JobView { Id = "job-1", Status = JobStatus.Queued }, ContractJson.Options);
        var readBack = JsonSerializer.Deserialize<JobView>("""{"id":"job-1","status":"Queued","wait_reason":null}""", ContractJson.Options);

        // Assert
        Assert.DoesNotContain("wait_reason", json, StringComparison.Ordinal);
        Assert.Null(readBack!.WaitReason);
    }

    [Fact]
    public void Json_Number_IsRefused()
    {
        // Act
        var read = () => JsonSerializer.Deserialize<JobView>("""{"id":"job-1","status":"Waiting","wait_reason":3}""", ContractJson.Options);

        // Assert
        Assert.Throws<JsonException>(read);
    }

    [Fact]
    public void Json_ValueOutsideTheSet_IsWrittenAsTheFallback()
    {
        // Act
        var json = JsonSerializer.Serialize((WaitReason)999, ContractJson.Options);

        // Assert
        Assert.Equal($"\"{WaitReasons.Fallback}\"", json);
    }

    [Theory]
    [MemberData(nameof(Values))]
    public void JobRecord_EveryValue_RoundTripsThroughTheStoredColumn(WaitReason reason)
    {
        // Arrange
        var record = new JobRecord { WaitReason = reason };

        // Act
        var stored = record.StoredWaitReason;
        var readBack = new JobRecord { StoredWaitReason = stored };

        // Assert
        Assert.Equal(reason.ToString(), stored);
        Assert.Equal(reason, readBack.WaitReason);
    }

    [Fact]
    public void JobRecord_UnknownStoredName_ReadsAsTheFallbackAndIsKeptAsStored()
    {
        // Arrange
        var record = new JobRecord { StoredWaitReason = "SomethingNewer" };

        // Act
        var reason = record.WaitReason;

        // Assert
        Assert.Equal(WaitReasons.Fallback, reason);
        Assert.Equal("SomethingNewer", record.StoredWaitReason);
    }

    [Fact]
    public void JobRecord_NoReason_StoresNothing()
    {
        // Arrange
        var record = new JobRecord { WaitReason = WaitReason.Parent };

        // Act
        record.WaitReason = null;

        // Assert
        Assert.Null(record.StoredWaitReason);
        Assert.Null(record.WaitReason);
    }

    [Theory]
    [MemberData(nameof(Values))]
    public void Describe_EveryValue_IsOneLineOfPlainWords(WaitReason reason)
    {
        // Act
        var description = reason.Describe();

        // Assert
        Assert.False(string.IsNullOrWhiteSpace(description));
        Assert.DoesNotContain('\n', description);
        Assert.EndsWith(".", description, StringComparison.Ordinal);
        Assert.DoesNotContain(reason.ToString(), description, StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_EachValue_SaysSomethingOfItsOwn()
    {
        // Act
        var descriptions = Enum.GetValues<WaitReason>().Select(reason => reason.Describe()).ToList();

        // Assert
        Assert.Equal(descriptions.Count, descriptions.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Describe_ValueOutsideTheSet_Throws()
    {
        // Act
        var describe = () => ((WaitReason)999).Describe();

        // Assert
        Assert.Throws<ArgumentOutOfRangeException>(describe);
    }

    [Fact]
    public void ToWaitReason_EveryRetryReason_KeepsTheNameItWasStoredUnder()
    {
        // Act
        var mapped = Enum.GetValues<RetryReason>().Select(reason => (Name: reason.ToString(), Reason: reason.ToWaitReason()));

        // Assert
        Assert.All(mapped, pair => Assert.Equal(pair.Name, pair.Reason.ToString()));
    }

    [Fact]
    public void ToWaitReason_EveryBudgetWait_KeepsTheNameItWasStoredUnder()
    {
        // Act
        var mapped = Enum.GetValues<BudgetWait>().Select(wait => (Name: wait.ToString(), Reason: wait.ToWaitReason()));

        // Assert
        Assert.All(mapped, pair => Assert.Equal(pair.Name, pair.Reason.ToString()));
    }

    [Fact]
    public void OldStrings_CoverEveryValueButTheFallback()
    {
        // Act
        var covered = OldStrings.Select(row => (WaitReason)row[1]!).Append(WaitReasons.Fallback).Order();

        // Assert
        Assert.Equal(Enum.GetValues<WaitReason>().Order(), covered);
    }
}
