using PromptQueue.Core.Storage;

namespace PromptQueue.Core.Tests.Storage;

public sealed class OptimisticConcurrencyTests
{
    [Fact]
    public async Task UpdateAsync_ConflictsThenSuccess_PausesBetweenTriesWithinTheGrowingCeiling()
    {
        // Arrange: three lost races, then a write that goes through.
        var tries = 0;
        var pauses = new List<TimeSpan>();

        // Act
        var result = await OptimisticConcurrency.UpdateAsync(
            _ => Task.FromResult(++tries <= 3 ? ConcurrencyStep.Conflict<string>() : ConcurrencyStep.Done("written")),
            maxTries: 10,
            () => "gave way",
            (pause, _) => { pauses.Add(pause); return Task.CompletedTask; },
            CancellationToken.None);

        // Assert: one pause per conflict, none after the success, each under its doubling ceiling (full jitter).
        Assert.Equal(("written", 4), (result, tries));
        Assert.Equal(3, pauses.Count);
        for (var i = 0; i < pauses.Count; i++)
        {
            var ceiling = OptimisticConcurrency.FirstPause * Math.Pow(2, i);
            Assert.InRange(pauses[i], TimeSpan.Zero, ceiling);
        }
    }

    [Fact]
    public async Task UpdateAsync_EveryTryConflicts_GivesWayWithTheCallersAnswerAfterMaxTries()
    {
        // Arrange
        var tries = 0;
        var pauses = 0;

        // Act
        var result = await OptimisticConcurrency.UpdateAsync(
            _ => { tries++; return Task.FromResult(ConcurrencyStep.Conflict<int>()); },
            maxTries: 20,
            () => -1,
            (_, _) => { pauses++; return Task.CompletedTask; },
            CancellationToken.None);

        // Assert: no pause after the last try; a pause is never longer than the cap.
        Assert.Equal((-1, 20, 19), (result, tries, pauses));
    }

    [Fact]
    public async Task UpdateAsync_ManyConflicts_NoPauseExceedsTheCap()
    {
        // Arrange
        var pauses = new List<TimeSpan>();

        // Act
        await OptimisticConcurrency.UpdateAsync(
            _ => Task.FromResult(ConcurrencyStep.Conflict<bool>()),
            maxTries: 200,
            () => false,
            (pause, _) => { pauses.Add(pause); return Task.CompletedTask; },
            CancellationToken.None);

        // Assert
        Assert.All(pauses, pause => Assert.InRange(pause, TimeSpan.Zero, OptimisticConcurrency.MaxPause));
    }

    [Fact]
    public async Task UpdateAsync_ExhaustedAnswerThrows_TheExceptionReachesTheCaller()
    {
        // Act
        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => OptimisticConcurrency.UpdateAsync<int>(
            _ => Task.FromResult(ConcurrencyStep.Conflict<int>()),
            maxTries: 2,
            () => throw new InvalidOperationException("kept changing"),
            (_, _) => Task.CompletedTask,
            CancellationToken.None));

        // Assert
        Assert.Equal("kept changing", thrown.Message);
    }
}
