using CloudLab.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Time.Testing;

namespace CloudLab.Tests.Unit;

/// <summary>Slow-request and slow-query warnings: one a second at most, each counting the ones it stands for.</summary>
public sealed class LogThrottleTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    [Fact]
    public void The_first_occurrence_is_logged_and_the_rest_of_the_interval_is_counted()
    {
        var throttle = new LogThrottle(TimeSpan.FromSeconds(1), _time);

        Assert.True(throttle.ShouldLog(out var skipped));
        Assert.Equal(0, skipped);
        for (var i = 0; i < 5; i++)
        {
            Assert.False(throttle.ShouldLog(out _));
        }

        _time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(throttle.ShouldLog(out _));

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(throttle.ShouldLog(out skipped));
        Assert.Equal(6, skipped);
    }

    [Fact]
    public void Concurrent_occurrences_log_once_per_interval_and_lose_no_count()
    {
        var throttle = new LogThrottle(TimeSpan.FromSeconds(1), _time);
        var logged = 0;
        Parallel.For(0, 10_000, _ =>
        {
            if (throttle.ShouldLog(out _))
            {
                Interlocked.Increment(ref logged);
            }
        });

        Assert.Equal(1, logged);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(throttle.ShouldLog(out var skipped));
        Assert.Equal(9_999, skipped);
    }
}
