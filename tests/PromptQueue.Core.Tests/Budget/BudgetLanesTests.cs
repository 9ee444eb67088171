using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PromptQueue.Contracts;
using PromptQueue.Core.Budget;

namespace PromptQueue.Core.Tests.Budget;

/// <summary>
/// A bulk backlog and interactive jobs on one budget, played out on a fake clock as workers would: each job asks for
/// a slot, starts at a slot granted, and comes back when it is deferred (just ahead of its slot when it reserved one).
/// </summary>
public sealed class BudgetLanesTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Start);

    [Fact]
    public async Task Drain_200BulkJobsAndFiveInteractiveSubmittedMidway_EachInteractiveJobStartsWithinOneWindow()
    {
        // Arrange: the free tier's 20 a minute; a batch of 200 released at once, five direct jobs half way through.
        var options = new BudgetOptions { RequestsPerMinute = 20, RequestsPerDay = 1000, MaxInlineWait = TimeSpan.FromSeconds(10) };
        var budget = new RequestBudget(new InMemoryBudgetStore(), Options.Create(options), _time, NullLogger<RequestBudget>.Instance);
        var asks = new PriorityQueue<(string JobId, JobPriority Lane), DateTimeOffset>();
        for (var i = 0; i < 200; i++)
        {
            asks.Enqueue(($"bulk-{i:D3}", JobPriority.Bulk), Start);
        }

        var midway = Start.AddMinutes(1).AddSeconds(17);
        for (var i = 0; i < 5; i++)
        {
            asks.Enqueue(($"direct-{i}", JobPriority.Interactive), midway);
        }

        // Act
        var starts = new Dictionary<string, DateTimeOffset>();
        var deferrals = new Dictionary<string, int>();
        while (asks.TryDequeue(out var job, out var at))
        {
            _time.SetUtcNow(at > _time.GetUtcNow() ? at : _time.GetUtcNow());
            switch (await budget.AcquireAsync(job.JobId, job.Lane, CancellationToken.None))
            {
                case BudgetGranted granted:
                    Assert.True(starts.TryAdd(job.JobId, granted.SlotAt), $"{job.JobId} was granted twice");
                    break;
                case BudgetDeferred deferred:
                    deferrals[job.JobId] = deferrals.GetValueOrDefault(job.JobId) + 1;
                    asks.Enqueue(job, deferred.Reserved ? deferred.Until - BudgetRules.ReservationLead : deferred.Until);
                    break;
            }
        }

        // Assert: every job started once; no window of the account's rule held more than 20; each direct job started
        // within a window (and its margin) of its submission, though some 160 bulk jobs were still ahead of it in the queue.
        Assert.Equal(205, starts.Count);
        var ordered = starts.Values.Order().ToList();
        Assert.All(Enumerable.Range(0, ordered.Count - 20), i => Assert.True(ordered[i + 20] - ordered[i] >= options.Window, $"starts {i} and {i + 20} are {ordered[i + 20] - ordered[i]} apart"));
        var window = options.Window + options.WindowMargin;
        Assert.All(Enumerable.Range(0, 5), i => Assert.InRange(starts[$"direct-{i}"] - midway, TimeSpan.Zero, window));
        Assert.True(starts.Count(s => s.Key.StartsWith("bulk", StringComparison.Ordinal) && s.Value > midway + window) >= 100, "most of the batch should still have been waiting");
    }
}
