using CloudLab.ServiceDefaults.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.Extensions.Time.Testing;

namespace CloudLab.Tests.Unit;

/// <summary>
/// Each request's budget: its token fires between one budget and one budget plus a tick after it started, the request
/// is then answered 504 (unless its response had started or the client left), and endpoints can opt out.
/// </summary>
public sealed class RequestBudgetTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _time = new();
    private readonly RequestBudgetClock _clock;

    public RequestBudgetTests() => _clock = new RequestBudgetClock(Budget, _time);

    [Fact]
    public void A_tick_is_a_twentieth_of_the_budget_at_most_100_ms()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(100), _clock.Tick);
        Assert.Equal(TimeSpan.FromMilliseconds(25), new RequestBudgetClock(TimeSpan.FromMilliseconds(500)).Tick);
    }

    [Fact]
    public void Requests_within_a_tick_share_a_deadline_that_fires_within_a_tick_after_their_budget()
    {
        var first = _clock.Deadline();
        _time.Advance(_clock.Tick / 2);
        var sameTick = _clock.Deadline();
        _time.Advance(_clock.Tick);
        var nextTick = _clock.Deadline();

        Assert.Equal(first, sameTick);
        Assert.NotEqual(first, nextTick);
        _time.Advance(Budget - (_clock.Tick * 1.5) - TimeSpan.FromMilliseconds(1));
        Assert.False(first.IsCancellationRequested); // the first has had just under its budget
        _time.Advance(_clock.Tick + TimeSpan.FromMilliseconds(2));
        Assert.True(first.IsCancellationRequested); // and the budget plus at most a tick
        Assert.False(nextTick.IsCancellationRequested);
        _time.Advance(_clock.Tick * 2);
        Assert.True(nextTick.IsCancellationRequested);
    }

    [Fact]
    public async Task A_request_still_running_when_its_budget_is_spent_is_answered_504()
    {
        var context = new DefaultHttpContext();
        var original = context.RequestAborted;
        var middleware = new RequestBudgetMiddleware(WaitForCancellation, _clock);

        var running = middleware.InvokeAsync(context);
        Assert.False(running.IsCompleted);
        _time.Advance(Budget + _clock.Tick);
        await running;

        Assert.Equal(StatusCodes.Status504GatewayTimeout, context.Response.StatusCode);
        Assert.Equal(original, context.RequestAborted); // the server's token is back for what follows
    }

    [Fact]
    public async Task A_client_that_leaves_is_not_answered_504_and_the_cancellation_goes_on()
    {
        using var aborted = new CancellationTokenSource();
        var context = new DefaultHttpContext { RequestAborted = aborted.Token };
        var middleware = new RequestBudgetMiddleware(WaitForCancellation, _clock);

        var running = middleware.InvokeAsync(context);
        await aborted.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
    }

    [Fact]
    public async Task A_quick_request_keeps_its_answer_and_an_endpoint_without_a_budget_keeps_the_servers_token()
    {
        var context = new DefaultHttpContext();
        var original = context.RequestAborted;
        CancellationToken seen = default;
        var middleware = new RequestBudgetMiddleware(http =>
        {
            seen = http.RequestAborted;
            http.Response.StatusCode = StatusCodes.Status201Created;
            return Task.CompletedTask;
        }, _clock);

        await middleware.InvokeAsync(context);
        Assert.Equal(StatusCodes.Status201Created, context.Response.StatusCode);
        Assert.NotEqual(original, seen);

        var exempt = new DefaultHttpContext();
        exempt.SetEndpoint(new Endpoint(
            null, new EndpointMetadataCollection(new DisableRequestTimeoutAttribute()), "long poll"));
        await middleware.InvokeAsync(exempt);
        Assert.Equal(exempt.RequestAborted, seen);
    }

    private static async Task WaitForCancellation(HttpContext context) =>
        await Task.Delay(Timeout.Infinite, context.RequestAborted);
}
