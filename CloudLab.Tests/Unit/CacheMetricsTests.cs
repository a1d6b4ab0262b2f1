using System.Diagnostics.Metrics;
using CloudLab.ServiceDefaults.Caching;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace CloudLab.Tests.Unit;

public sealed class CacheMetricsTests
{
    private readonly FakeTimeProvider _time =
        new(DateTimeOffset.Parse("2026-11-28T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly CacheMetrics _metrics;

    public CacheMetricsTests() =>
        _metrics = new CacheMetrics(
            new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>(), _time);

    [Fact]
    public void The_hit_rate_is_the_share_of_reads_served_from_cache()
    {
        for (var read = 0; read < 20; read++)
        {
            _metrics.RecordRead("product", hit: read != 0, TimeSpan.FromMilliseconds(1));
        }

        Assert.Equal(95.0, _metrics.HitRate("product"));
        Assert.Null(_metrics.HitRate("user"));
    }

    [Fact]
    public void The_hit_rate_looks_at_the_last_minute_only()
    {
        _metrics.RecordRead("product", hit: false, TimeSpan.Zero);
        _metrics.RecordRead("product", hit: false, TimeSpan.Zero);
        _time.Advance(TimeSpan.FromSeconds(90));
        _metrics.RecordRead("product", hit: true, TimeSpan.Zero);

        Assert.Equal(100.0, _metrics.HitRate("product"));
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Null(_metrics.HitRate("product"));
    }
}
