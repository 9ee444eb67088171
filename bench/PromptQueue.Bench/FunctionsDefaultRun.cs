using System.Collections.Concurrent;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PromptQueue.Contracts;
using PromptQueue.Core.OpenRouter;
using PromptQueue.Core.Processing;
using PromptQueue.Simulator;

namespace PromptQueue.Bench;

/// <summary>
/// The baselines: a queue-triggered function written the obvious way, run with the Azure Functions queue
/// trigger's default settings, optionally behind a rate limiter that each process keeps to itself.
/// </summary>
/// <remarks>
/// This reproduces what the Functions host does with a queue message, not a caricature of it:
/// <list type="bullet">
/// <item>Each instance keeps up to <see cref="BatchSize"/> messages in flight (host.json <c>batchSize</c> 16; the real
/// host fetches more once it is down to <c>newBatchThreshold</c> 8, so it may even hold a few more).</item>
/// <item>The function body builds the same chat request PromptQueue sends and calls the same OpenRouter client; an
/// answer completes the message (it is deleted). Anything else, a 429 included, is what
/// <c>response.EnsureSuccessStatusCode()</c> makes of it: an exception.</item>
/// <item>After an exception the host makes the message visible again after <c>visibilityTimeout</c>, 0 by default,
/// so it is redelivered at once; once its dequeue count reaches <c>maxDequeueCount</c> (5) it is moved to the
/// <c>-poison</c> queue instead. That is the whole retry policy.</item>
/// <item>An idle instance polls again after 50 ms (the host backs off from 100 ms to <c>maxPollingInterval</c>; the
/// queue is never idle for long here, so this only makes the baseline a little faster).</item>
/// </list>
/// The "per-process limiter" variant adds what a careful developer adds next: an even-spacing limiter set to the
/// account's limit, in memory, one per instance, so that the instances together still send up to twice the limit.
/// </remarks>
internal sealed class FunctionsDefaultRun(Workload workload, string storage, string name, bool perProcessLimiter)
{
    public const int BatchSize = 16;
    public const int MaxDequeueCount = 5;

    private static readonly TimeSpan IdlePoll = TimeSpan.FromMilliseconds(50);

    /// <summary>While a message is being handled it stays hidden (the host renews its lease every few minutes).</summary>
    private static readonly TimeSpan VisibilityWhileRunning = TimeSpan.FromMinutes(10);

    private readonly TimeProvider _time = TimeProvider.System;
    private readonly ConcurrentDictionary<string, int> _completed = new();
    private int _poisoned;

    public async Task<RunResult> RunAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var suffix = BenchServices.NewSuffix();
        var queue = new QueueClient(storage, "naive-" + suffix, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });
        var poison = new QueueClient(storage, queue.Name + "-poison");
        await queue.CreateAsync(cancellationToken: cancellationToken);
        await poison.CreateAsync(cancellationToken: cancellationToken);
        for (var i = 0; i < workload.Jobs; i++)
        {
            await queue.SendMessageAsync(Workload.Job(suffix, i), cancellationToken);
        }

        await using var simulator = await OpenRouterSimulator.StartAsync(workload.Simulator(), cancellationToken);
        var settings = BenchServices.Settings(storage, simulator, suffix);
        var instances = Enumerable.Range(0, workload.Instances).Select(_ => BenchServices.Build(settings)).ToList();
        try
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var started = _time.GetTimestamp();
            var workers = instances.Select(services => RunInstanceAsync(services, queue, poison, stop.Token)).ToList();
            var deadline = started + (long)(timeout.TotalSeconds * _time.TimestampFrequency);
            while (_completed.Count + Volatile.Read(ref _poisoned) < workload.Jobs && _time.GetTimestamp() < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), _time, cancellationToken);
            }

            var wall = _time.GetElapsedTime(started);
            await stop.CancelAsync();
            await Task.WhenAll(workers);
            return new RunResult(
                name, workload, _completed.Count, Volatile.Read(ref _poisoned), Failed: 0,
                simulator.ChatRequestCount, simulator.AdmittedCount, simulator.RateLimitedCount, simulator.MaxAdmittedInAnyMinute, wall)
            {
                MaxAdmittedInAnySlidingMinute = simulator.MaxAdmittedInAnySlidingMinute,
                Admissions = new AdmissionTimeline(simulator.AdmittedAt),
            };
        }
        finally
        {
            foreach (var services in instances)
            {
                await services.DisposeAsync();
            }
        }
    }

    /// <summary>One Functions instance: keeps up to <see cref="BatchSize"/> messages in flight.</summary>
    private async Task RunInstanceAsync(ServiceProvider services, QueueClient queue, QueueClient poison, CancellationToken stopping)
    {
        var chat = services.GetRequiredService<IChatCompletionClient>();
        var requests = services.GetRequiredService<ChatRequestFactory>();
        var limits = services.GetRequiredService<IOptions<JobLimits>>().Value;
        var limiter = perProcessLimiter ? new EvenSpacingLimiter(workload.SimulatedMinute / workload.RequestsPerMinute, _time) : null;
        using var slots = new SemaphoreSlim(BatchSize, BatchSize);
        var inFlight = new List<Task>();
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                await slots.WaitAsync(stopping);
                var free = 1;
                while (free < BatchSize && slots.Wait(0, CancellationToken.None))
                {
                    free++;
                }

                var messages = (await queue.ReceiveMessagesAsync(free, VisibilityWhileRunning, stopping)).Value;
                if (free > messages.Length)
                {
                    slots.Release(free - messages.Length);
                }

                if (messages.Length == 0)
                {
                    await Task.Delay(IdlePoll, _time, stopping);
                    continue;
                }

                inFlight.RemoveAll(task => task.IsCompleted);
                foreach (var message in messages)
                {
                    inFlight.Add(HandleAsync(message, queue, poison, chat, requests, limits, limiter, slots, stopping));
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The run is over.
        }

        await Task.WhenAll(inFlight);
    }

    /// <summary>One invocation of the function, and what the host does with the message afterwards.</summary>
    private async Task HandleAsync(
        QueueMessage message,
        QueueClient queue,
        QueueClient poison,
        IChatCompletionClient chat,
        ChatRequestFactory requests,
        JobLimits limits,
        EvenSpacingLimiter? limiter,
        SemaphoreSlim slots,
        CancellationToken stopping)
    {
        try
        {
            var job = PromptJobReader.Read(message.Body.ToMemory().Span, limits).Job!;
            if (limiter is not null)
            {
                await limiter.WaitAsync(stopping);
            }

            // The function body: call the model; a 429 (or any other error) throws.
            if (await chat.CompleteAsync(requests.Create(job), stopping) is ChatSucceeded)
            {
                _completed.AddOrUpdate(job.Id!, 1, (_, calls) => calls + 1);
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, stopping);
                return;
            }

            // The host's response to the exception.
            if (message.DequeueCount >= MaxDequeueCount)
            {
                await poison.SendMessageAsync(message.Body.ToString(), stopping);
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, stopping);
                Interlocked.Increment(ref _poisoned);
            }
            else
            {
                await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero, cancellationToken: stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The run is over; the message stays where it is.
        }
        finally
        {
            slots.Release();
        }
    }
}

/// <summary>An in-memory limiter that spaces calls evenly: the same arithmetic as PromptQueue's budget, but per process.</summary>
internal sealed class EvenSpacingLimiter(TimeSpan spacing, TimeProvider time)
{
    private readonly Lock _gate = new();
    private DateTimeOffset _nextSlot;

    public Task WaitAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset slot;
        lock (_gate)
        {
            var now = time.GetUtcNow();
            slot = now > _nextSlot ? now : _nextSlot;
            _nextSlot = slot + spacing;
        }

        var wait = slot - time.GetUtcNow();
        return wait > TimeSpan.Zero ? Task.Delay(wait, time, cancellationToken) : Task.CompletedTask;
    }
}
