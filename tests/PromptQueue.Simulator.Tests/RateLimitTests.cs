using System.Net;
using Microsoft.Extensions.Time.Testing;

namespace PromptQueue.Simulator.Tests;

public sealed class RateLimitTests
{
    // 2026-03-20T22:52:30Z: half-way through the minute whose end, 22:53:00Z, is 1774047180000 ms (the real sample).
    private static readonly DateTimeOffset MidMinute = new(2026, 3, 20, 22, 52, 30, TimeSpan.Zero);

    [Fact]
    public async Task Post_OverPerMinuteLimit_Returns429WithRealShapeAndHeaders()
    {
        // Arrange
        var time = new FakeTimeProvider(MidMinute);
        await using var simulator = await StartAsync(time, perMinute: 3, perDay: 100);
        using var client = ChatCalls.CreateClient(simulator);
        await SendAsync(client, 3);

        // Act
        using var response = await ChatCalls.PostAsync(client, ChatCalls.Body("one too many", stream: true));

        // Assert
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("3", Header(response, "X-RateLimit-Limit"));
        Assert.Equal("0", Header(response, "X-RateLimit-Remaining"));
        Assert.Equal("1774047180000", Header(response, "X-RateLimit-Reset"));
        Assert.Equal(
            """{"error":{"code":429,"message":"Rate limit exceeded: free-models-per-min. ","metadata":{"headers":{"X-RateLimit-Limit":"3","X-RateLimit-Remaining":"0","X-RateLimit-Reset":"1774047180000"},"provider_name":null}},"user_id":"user_sim"}""",
            await response.Content.ReadAsStringAsync());
        Assert.Equal((4, 3, 1), (simulator.ChatRequestCount, simulator.AdmittedCount, simulator.RateLimitedCount));
    }

    [Fact]
    public async Task Post_AfterMinuteBoundary_AdmitsAgain()
    {
        // Arrange
        var time = new FakeTimeProvider(MidMinute);
        await using var simulator = await StartAsync(time, perMinute: 2, perDay: 100);
        using var client = ChatCalls.CreateClient(simulator);
        await SendAsync(client, 3);
        time.Advance(TimeSpan.FromSeconds(30));

        // Act
        var statuses = await SendAsync(client, 3);

        // Assert
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(4, simulator.AdmittedCount);
        Assert.Equal(2, simulator.MaxAdmittedInAnyMinute);
    }

    [Fact]
    public async Task Post_OverPerDayLimit_Returns429PerDayUntilUtcMidnight()
    {
        // Arrange
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 20, 23, 59, 0, TimeSpan.Zero));
        await using var simulator = await StartAsync(time, perMinute: 100, perDay: 2);
        using var client = ChatCalls.CreateClient(simulator);
        await SendAsync(client, 2);

        // Act
        using var rejected = await ChatCalls.PostAsync(client, ChatCalls.Body("more", stream: false));
        var rejectedBody = ChatCalls.ParseObject(await rejected.Content.ReadAsStringAsync());
        time.Advance(TimeSpan.FromMinutes(1));
        var afterMidnight = await SendAsync(client, 1);

        // Assert
        Assert.Equal(HttpStatusCode.TooManyRequests, rejected.StatusCode);
        var midnight = new DateTimeOffset(2026, 3, 21, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(midnight, Header(rejected, "X-RateLimit-Reset"));
        Assert.Equal("2", Header(rejected, "X-RateLimit-Limit"));
        var error = rejectedBody["error"]!;
        Assert.Equal("Rate limit exceeded: free-models-per-day. Add 10 credits to unlock 1000 free model requests per day", (string?)error["message"]);
        Assert.Equal(midnight, (string?)error["metadata"]!["headers"]!["X-RateLimit-Reset"]);
        Assert.Null(error["metadata"]!["provider_name"]);
        Assert.Equal("user_sim", (string?)rejectedBody["user_id"]);
        Assert.Equal([HttpStatusCode.OK], afterMidnight);
    }

    [Fact]
    public async Task Post_PaidModel_IsNeverRateLimited()
    {
        // Arrange
        await using var simulator = await StartAsync(new FakeTimeProvider(MidMinute), perMinute: 1, perDay: 1);
        using var client = ChatCalls.CreateClient(simulator);

        // Act
        var statuses = await SendAsync(client, 3, ChatCalls.PaidModel);

        // Assert
        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Equal(0, simulator.RateLimitedCount);
    }

    [Fact]
    public async Task Post_TimeScale60_MinuteWindowLastsOneRealSecondAndItsLimitIsToldPerRealMinute()
    {
        // Arrange
        var start = new DateTimeOffset(2026, 3, 20, 10, 0, 0, TimeSpan.Zero);
        var time = new FakeTimeProvider(start);
        await using var simulator = await StartAsync(time, perMinute: 1, perDay: 100, timeScale: 60);
        using var client = ChatCalls.CreateClient(simulator);
        await SendAsync(client, 1);

        // Act
        using var rejected = await ChatCalls.PostAsync(client, ChatCalls.Body("again", stream: true));
        time.Advance(TimeSpan.FromSeconds(1));
        var afterOneSecond = await SendAsync(client, 1);

        // Assert
        Assert.Equal(HttpStatusCode.TooManyRequests, rejected.StatusCode);
        Assert.Equal(start.AddSeconds(1).ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture), Header(rejected, "X-RateLimit-Reset"));
        Assert.Equal("60", Header(rejected, "X-RateLimit-Limit"));
        Assert.Equal([HttpStatusCode.OK], afterOneSecond);
    }

    [Fact]
    public async Task Post_TimeScale60_DayWindowLastsTwentyFourRealMinutes()
    {
        // Arrange
        var start = new DateTimeOffset(2026, 3, 20, 0, 0, 0, TimeSpan.Zero);
        var time = new FakeTimeProvider(start);
        await using var simulator = await StartAsync(time, perMinute: 100, perDay: 1, timeScale: 60);
        using var client = ChatCalls.CreateClient(simulator);
        await SendAsync(client, 1);

        // Act
        using var rejected = await ChatCalls.PostAsync(client, ChatCalls.Body("again", stream: true));
        time.Advance(TimeSpan.FromMinutes(24) - TimeSpan.FromSeconds(1));
        var justBefore = await SendAsync(client, 1);
        time.Advance(TimeSpan.FromSeconds(1));
        var atReset = await SendAsync(client, 1);

        // Assert
        Assert.Equal(start.AddMinutes(24).ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture), Header(rejected, "X-RateLimit-Reset"));
        Assert.Equal([HttpStatusCode.TooManyRequests], justBefore);
        Assert.Equal([HttpStatusCode.OK], atReset);
    }

    [Fact]
    public async Task ResetLimits_AfterQuotaIsSpent_AdmitsAgain()
    {
        // Arrange
        await using var simulator = await StartAsync(new FakeTimeProvider(MidMinute), perMinute: 1, perDay: 1);
        using var client = ChatCalls.CreateClient(simulator);
        await SendAsync(client, 2);

        // Act
        simulator.ResetLimits();
        var statuses = await SendAsync(client, 2);

        // Assert
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task GetKey_AfterSomeCalls_ReportsDailyFreeUsageWithoutRejectedCalls()
    {
        // Arrange
        await using var simulator = await StartAsync(new FakeTimeProvider(MidMinute), perMinute: 3, perDay: 50);
        using var client = ChatCalls.CreateClient(simulator);
        await SendAsync(client, 5);

        // Act
        var key = ChatCalls.ParseObject(await client.GetStringAsync(new Uri("key", UriKind.Relative)));

        // Assert
        Assert.Equal(
            """{"data":{"label":"sim-key","limit":null,"usage":0,"is_free_tier":true,"rate_limit":{"requests":-1,"interval":"10s"},"free_model_daily_requests":{"limit":50,"remaining":47,"used":3}}}""",
            key.ToJsonString());
    }

    [Fact]
    public async Task MaxAdmittedInAnyMinute_PacedTraffic_ReportsBusiestWindow()
    {
        // Arrange
        var time = new FakeTimeProvider(MidMinute);
        await using var simulator = await StartAsync(time, perMinute: 100, perDay: 100);
        using var client = ChatCalls.CreateClient(simulator);

        // Act
        await SendAsync(client, 2);
        time.Advance(TimeSpan.FromMinutes(1));
        await SendAsync(client, 5);
        time.Advance(TimeSpan.FromMinutes(1));
        await SendAsync(client, 1);

        // Assert
        Assert.Equal(5, simulator.MaxAdmittedInAnyMinute);
        Assert.Equal(8, simulator.AdmittedCount);
    }

    [Fact]
    public async Task Post_SlidingWindow_RefusesACallThatAFixedWindowAdmitsAcrossTheMinute()
    {
        // Arrange: the limit spent ten seconds before a minute ends, then one more call ten seconds into the next.
        var fixedTime = new FakeTimeProvider(MidMinute.AddSeconds(20));
        var slidingTime = new FakeTimeProvider(MidMinute.AddSeconds(20));
        await using var fixedWindow = await StartAsync(fixedTime, perMinute: 20, perDay: 100);
        await using var slidingWindow = await StartAsync(slidingTime, perMinute: 20, perDay: 100, window: PerMinuteWindow.Sliding);
        using var fixedClient = ChatCalls.CreateClient(fixedWindow);
        using var slidingClient = ChatCalls.CreateClient(slidingWindow);
        await SendAsync(fixedClient, 20);
        await SendAsync(slidingClient, 20);
        fixedTime.Advance(TimeSpan.FromSeconds(20));
        slidingTime.Advance(TimeSpan.FromSeconds(20));

        // Act: the 21st call within 20 s.
        var fixedStatus = await SendAsync(fixedClient, 1);
        using var refused = await ChatCalls.PostAsync(slidingClient, ChatCalls.Body("the 21st", stream: false));

        // Assert: the sliding window resets when its oldest call is a minute old, not on the minute.
        Assert.Equal([HttpStatusCode.OK], fixedStatus);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(MidMinute.AddSeconds(80).ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture), Header(refused, "X-RateLimit-Reset"));
        Assert.Equal((21, 20), (fixedWindow.MaxAdmittedInAnySlidingMinute, slidingWindow.MaxAdmittedInAnySlidingMinute));
        Assert.Equal((20, 20), (fixedWindow.MaxAdmittedInAnyMinute, slidingWindow.MaxAdmittedInAnyMinute));
    }

    [Fact]
    public async Task Post_FixedWindow_RefusesACallThatASlidingWindowAdmits()
    {
        // Arrange: the limit spent ten seconds before a minute ends, then the limit asked for again just after it:
        // the fixed window admits that second burst, the sliding one refuses it.
        var fixedTime = new FakeTimeProvider(MidMinute.AddSeconds(20));
        var slidingTime = new FakeTimeProvider(MidMinute.AddSeconds(20));
        await using var fixedWindow = await StartAsync(fixedTime, perMinute: 20, perDay: 100);
        await using var slidingWindow = await StartAsync(slidingTime, perMinute: 20, perDay: 100, window: PerMinuteWindow.Sliding);
        using var fixedClient = ChatCalls.CreateClient(fixedWindow);
        using var slidingClient = ChatCalls.CreateClient(slidingWindow);
        await SendAsync(fixedClient, 20);
        await SendAsync(slidingClient, 20);
        fixedTime.Advance(TimeSpan.FromSeconds(11));
        slidingTime.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(Enumerable.Repeat(HttpStatusCode.OK, 20), await SendAsync(fixedClient, 20));
        Assert.Equal(HttpStatusCode.TooManyRequests, (await SendAsync(slidingClient, 1)).Single());

        // Act: 50 s later, 61 s after the first burst and within the minute of the second.
        fixedTime.Advance(TimeSpan.FromSeconds(50));
        slidingTime.Advance(TimeSpan.FromSeconds(50));
        var fixedStatus = await SendAsync(fixedClient, 1);
        var slidingStatus = await SendAsync(slidingClient, 1);

        // Assert
        Assert.Equal([HttpStatusCode.TooManyRequests], fixedStatus);
        Assert.Equal([HttpStatusCode.OK], slidingStatus);
        Assert.Equal(40, fixedWindow.MaxAdmittedInAnySlidingMinute);
        Assert.Equal(20, slidingWindow.MaxAdmittedInAnySlidingMinute);
    }

    [Fact]
    public async Task AdmittedAt_AdmittedCalls_RecordsTheirRealTimesOnly()
    {
        // Arrange
        var time = new FakeTimeProvider(MidMinute);
        await using var simulator = await StartAsync(time, perMinute: 2, perDay: 100, timeScale: 60);
        using var client = ChatCalls.CreateClient(simulator);

        // Act
        await SendAsync(client, 1);
        time.Advance(TimeSpan.FromMilliseconds(250));
        await SendAsync(client, 2);

        // Assert: the refused third call is not an admission.
        Assert.Equal([MidMinute, MidMinute.AddMilliseconds(250)], simulator.AdmittedAt);
    }

    private static Task<OpenRouterSimulator> StartAsync(TimeProvider time, int perMinute, int perDay, double timeScale = 1, PerMinuteWindow window = PerMinuteWindow.Fixed) =>
        OpenRouterSimulator.StartAsync(new SimulatorOptions
        {
            TimeProvider = time,
            RequestsPerMinute = perMinute,
            RequestsPerDay = perDay,
            TimeScale = timeScale,
            PerMinuteWindow = window,
        });

    private static async Task<List<HttpStatusCode>> SendAsync(HttpClient client, int count, string model = ChatCalls.FreeModel)
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < count; i++)
        {
            using var response = await ChatCalls.PostAsync(client, ChatCalls.Body($"call {i}", stream: false, model));
            statuses.Add(response.StatusCode);
        }

        return statuses;
    }

    private static string Header(HttpResponseMessage response, string name) => response.Headers.GetValues(name).Single();
}
