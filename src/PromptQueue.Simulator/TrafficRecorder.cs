namespace PromptQueue.Simulator;

/// <summary>What the simulator has seen, kept for test and benchmark assertions. Thread-safe.</summary>
internal sealed class TrafficRecorder(SimulatedClock clock, int bodyCapacity)
{
    private static readonly IReadOnlyDictionary<string, string> NoHeaders =
        new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    private readonly Lock _gate = new();
    private readonly Queue<string> _bodies = new();
    private readonly WindowCounter _admittedThisMinute = new(TimeSpan.FromMinutes(1));
    private readonly SlidingWindowCounter _admittedLastMinute = new(TimeSpan.FromMinutes(1));
    private readonly List<DateTimeOffset> _admittedAt = [];
    private IReadOnlyDictionary<string, string> _lastHeaders = NoHeaders;
    private TaskCompletionSource _released = Released();
    private int _inFlight;
    private int _finished;
    private int _chatRequests;
    private int _admitted;
    private int _rateLimited;
    private int _maxAdmittedInAnyMinute;
    private int _maxAdmittedInAnySlidingMinute;

    public int ChatRequestCount => Read(() => _chatRequests);

    public int AdmittedCount => Read(() => _admitted);

    public int RateLimitedCount => Read(() => _rateLimited);

    public int MaxAdmittedInAnyMinute => Read(() => _maxAdmittedInAnyMinute);

    public int MaxAdmittedInAnySlidingMinute => Read(() => _maxAdmittedInAnySlidingMinute);

    public IReadOnlyList<DateTimeOffset> AdmittedAt => Read(() => _admittedAt.ToArray());

    public IReadOnlyList<string> ReceivedBodies => Read(() => _bodies.ToArray());

    public int InFlightCount => Read(() => _inFlight);

    public int FinishedCount => Read(() => _finished);

    /// <summary>Holds every answer after its request is recorded, until <see cref="ReleaseResponses"/>.</summary>
    public void HoldResponses()
    {
        lock (_gate)
        {
            if (_released.Task.IsCompleted)
            {
                _released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    public void ReleaseResponses() => Read(() => _released).TrySetResult();

    /// <summary>Counts one answer as under way, waits while answers are held, and returns what ends it.</summary>
    public async Task<IDisposable> BeginResponseAsync(CancellationToken ct)
    {
        Task held;
        lock (_gate)
        {
            _inFlight++;
            held = _released.Task;
        }

        var response = new Response(this);
        try
        {
            await held.WaitAsync(ct);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private static TaskCompletionSource Released()
    {
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        released.SetResult();
        return released;
    }

    private void EndResponse()
    {
        lock (_gate)
        {
            _inFlight--;
            _finished++;
        }
    }

    private sealed class Response(TrafficRecorder recorder) : IDisposable
    {
        private int _ended;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _ended, 1) == 0)
            {
                recorder.EndResponse();
            }
        }
    }

    public IReadOnlyDictionary<string, string> LastChatRequestHeaders => Read(() => _lastHeaders);

    public void RecordChatRequest(string body, IHeaderDictionary headers)
    {
        var snapshot = headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        lock (_gate)
        {
            _chatRequests++;
            _lastHeaders = snapshot;
            _bodies.Enqueue(body);
            while (_bodies.Count > bodyCapacity)
            {
                _bodies.Dequeue();
            }
        }
    }

    /// <summary>Counts a call that got past the account limits, paid models included.</summary>
    public void RecordAdmitted()
    {
        lock (_gate)
        {
            _admitted++;
            var real = clock.RealNow;
            var now = clock.ToSimulated(real);
            _admittedAt.Add(real);
            _maxAdmittedInAnyMinute = Math.Max(_maxAdmittedInAnyMinute, _admittedThisMinute.IncrementAt(now));

            // The busiest sliding minute ends at some admission, so counting at each one finds it.
            _maxAdmittedInAnySlidingMinute = Math.Max(_maxAdmittedInAnySlidingMinute, _admittedLastMinute.IncrementAt(now));
        }
    }

    public void RecordRateLimited()
    {
        lock (_gate)
        {
            _rateLimited++;
        }
    }

    private T Read<T>(Func<T> read)
    {
        lock (_gate)
        {
            return read();
        }
    }
}
