using PromptQueue.Core.Budget;

namespace PromptQueue.Core.Tests.Budget;

public sealed class StartLogTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 4, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Serialize_ThenParse_GivesBackEveryStartInOrder()
    {
        // Arrange: a burst at one instant, a call of no job, a bulk job's start, and reservations of both lanes.
        var log = StartLog.Of([
            new BudgetStart(Now.AddSeconds(61.5), "ab12cd34", Reserved: true),
            new BudgetStart(Now, "00ff00ff"),
            new BudgetStart(Now, "11ee11ee", Bulk: true),
            new BudgetStart(Now.AddMilliseconds(1)),
            new BudgetStart(Now.AddSeconds(62), "22dd22dd", Reserved: true, Bulk: true),
        ]);

        // Act
        var text = log.Serialize();
        var parsed = StartLog.Parse(text);

        // Assert: deltas keep a burst short, and the value compares equal.
        Assert.Equal($"{Now.ToUnixTimeMilliseconds()}:00ff00ff,0:11ee11ee:b,1,61499:ab12cd34:r,500:22dd22dd:rb", text);
        Assert.Equal(log, parsed);
        Assert.Equal((Now.AddSeconds(62), true, true), (parsed[^1].At, parsed[^1].Reserved, parsed[^1].Bulk));
    }

    [Fact]
    public void Parse_DamagedEntry_DropsOnlyThatEntry()
    {
        // Act
        var parsed = StartLog.Parse($"{Now.ToUnixTimeMilliseconds()}:aa,x:bb,500:cc:r");

        // Assert
        Assert.Equal([new BudgetStart(Now, "aa"), new BudgetStart(Now.AddMilliseconds(500), "cc", Reserved: true)], parsed);
    }

    [Fact]
    public void FromSpacedSlot_RowOfTheEvenSpacingVersion_ReadsAsAFullMinuteUpToItsNextSlot()
    {
        // Arrange
        var options = new BudgetOptions { RequestsPerMinute = 20, WindowMargin = TimeSpan.Zero };

        // Act: the old row said the next slot is 2 s away.
        var log = BudgetRules.FromSpacedSlot(Now.AddSeconds(2), 20, options.Window);

        // Assert: nothing may start before that slot, as the old version would have had it.
        Assert.Equal(20, log.Count);
        Assert.Equal(Now.AddSeconds(2), BudgetRules.EarliestStart(log, Now, 20, options));
    }
}
