using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Timeouts;

namespace CloudLab.ServiceDefaults.Http;

/// <summary>
/// Every request's budget (<c>RequestTimeouts:Default</c>): the request's cancellation token also fires once the budget
/// has passed, and a request that ends cancelled by it, before its response started, is answered 504. Endpoints marked
/// <c>DisableRequestTimeout()</c> have no budget.
/// Requests that start within one tick (a twentieth of the budget, at most 100 ms) share one timer, so a request's
/// budget is between the budget and the budget plus a tick. ASP.NET Core's request-timeouts middleware armed a timer
/// per request (two changes under the timer queue's lock, a pooled source registered for disposal, a feature and a
/// closure per request): 2.7 µs of a ~72 µs cached read in a perf profile. Here a request costs one linked token
/// source.
/// </summary>
internal sealed class RequestBudgetMiddleware(RequestDelegate next, RequestBudgetClock clock)
{
    public Task InvokeAsync(HttpContext context)
    {
        var original = context.RequestAborted;
        if (original.IsCancellationRequested
            || context.GetEndpoint()?.Metadata.GetMetadata<DisableRequestTimeoutAttribute>() is not null)
        {
            return next(context);
        }

        return RunAsync(context, original, clock.Deadline());
    }

    private async Task RunAsync(HttpContext context, CancellationToken original, CancellationToken deadline)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(original, deadline);
        context.RequestAborted = linked.Token;
        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested
            && !original.IsCancellationRequested && !context.Response.HasStarted)
        {
            context.Response.Clear();
            context.Response.StatusCode = StatusCodes.Status504GatewayTimeout;
        }
        finally
        {
            context.RequestAborted = original;
        }
    }
}

/// <summary>
/// The shared deadlines of <see cref="RequestBudgetMiddleware"/>: one cancellation source per tick, cancelled a budget
/// after the tick ends. A source nobody holds any more is left to its timer and the collector.
/// </summary>
internal sealed class RequestBudgetClock
{
    private static readonly TimeSpan LongestTick = TimeSpan.FromMilliseconds(100);

    private readonly TimeSpan _budget;
    private readonly TimeProvider _time;
    private readonly long _tickTimestamps;
    private Slot _current;

    public RequestBudgetClock(TimeSpan budget, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(budget, TimeSpan.Zero);
        _budget = budget;
        _time = time ?? TimeProvider.System;
        Tick = TimeSpan.FromTicks(Math.Max(1, Math.Min(LongestTick.Ticks, budget.Ticks / 20)));
        _tickTimestamps = Math.Max(1, (long)(Tick.TotalSeconds * _time.TimestampFrequency));
        _current = NewSlot(_time.GetTimestamp());
    }

    public TimeSpan Budget => _budget;

    /// <summary>How long requests share a deadline: a request's budget is at most this much longer.</summary>
    public TimeSpan Tick { get; }

    /// <summary>A token that is cancelled between one budget and one budget plus a tick from now.</summary>
    public CancellationToken Deadline()
    {
        var now = _time.GetTimestamp();
        var slot = Volatile.Read(ref _current);
        if (now < slot.Ends)
        {
            return slot.Token;
        }

        var next = NewSlot(now);
        var seen = Interlocked.CompareExchange(ref _current, next, slot);
        if (!ReferenceEquals(seen, slot))
        {
            next.Source.Dispose(); // another request started the new tick first
            return seen.Token;
        }

        return next.Token;
    }

    private Slot NewSlot(long now)
    {
        var source = new CancellationTokenSource(_budget + Tick, _time);
        return new Slot(source, now + _tickTimestamps, source.Token);
    }

    private sealed record Slot(CancellationTokenSource Source, long Ends, CancellationToken Token);
}
