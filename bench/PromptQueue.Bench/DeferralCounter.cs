using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using PromptQueue.Core.Processing;

namespace PromptQueue.Bench;

/// <summary>Counts the jobs the processor put back on the queue to wait (its "waits until" events), across hosts.</summary>
internal sealed class DeferralCounter : ILoggerProvider
{
    private readonly ConcurrentDictionary<string, int> _byJob = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<Deferral> _deferrals = new();
    private int _count;

    public int Count => Volatile.Read(ref _count);

    /// <summary>The most times one job was deferred: a job that keeps coming back to wait costs a receive and a send each time.</summary>
    public int MostForOneJob => _byJob.Values.DefaultIfEmpty(0).Max();

    /// <summary>Every deferral, in the order logged: when, which job, until when and why.</summary>
    public IReadOnlyList<Deferral> Deferrals => [.. _deferrals];

    /// <summary>Adds the counter to a host's logging, listening to the job processor only.</summary>
    public void AddTo(ILoggingBuilder logging) => logging
        .AddProvider(this)
        .AddFilter<DeferralCounter>(null, LogLevel.None)
        .AddFilter<DeferralCounter>(typeof(JobProcessor).FullName, LogLevel.Information);

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(DeferralCounter owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Name == "LogWaiting")
            {
                Interlocked.Increment(ref owner._count);
                if (state is IEnumerable<KeyValuePair<string, object?>> fields)
                {
                    var values = fields.ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
                    var jobId = values.GetValueOrDefault("JobId") as string ?? "?";
                    owner._byJob.AddOrUpdate(jobId, 1, (_, count) => count + 1);
                    owner._deferrals.Enqueue(new Deferral(TimeProvider.System.GetUtcNow(), jobId, values.GetValueOrDefault("Until") as DateTimeOffset?, values.GetValueOrDefault("Reason")?.ToString()));
                }
            }
        }
    }
}

/// <summary>One job put back to wait: when (the real clock), until when, and why, as the processor logged it.</summary>
internal sealed record Deferral(DateTimeOffset At, string JobId, DateTimeOffset? Until, string? Reason);
