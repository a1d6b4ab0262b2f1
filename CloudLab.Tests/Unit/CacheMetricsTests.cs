using System.Diagnostics.Metrics;
using CloudLab.ServiceDefaults.Caching;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace CloudLab.Tests.Unit;

public sealed class CacheMetricsTests
{
    private readonly FakeTimeProvider _time =
        new(DateTimeOffset.Parse("2026-11-28T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly IMeterFactory _meterFactory =
        new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
    private readonly CacheMetrics _metrics;

    public CacheMetricsTests() => _metrics = new CacheMetrics(_meterFactory, _time);

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

    [Fact]
    public void Cache_requests_counts_every_read_since_the_start_by_cache_and_result()
    {
        _metrics.RecordRead("product", hit: false, TimeSpan.Zero);
        _time.Advance(TimeSpan.FromMinutes(5));
        _metrics.RecordRead("product", hit: true, TimeSpan.Zero);
        _metrics.RecordRead("product", hit: true, TimeSpan.Zero);
        _metrics.RecordRead("user", hit: true, TimeSpan.Zero);

        var counted = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, listening) =>
        {
            // Only this test's meter: other tests' caches count at the same time.
            if (instrument.Name == "cache_requests" && instrument.Meter.Scope == _meterFactory)
            {
                listening.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var labels = tags.ToArray().ToDictionary(tag => tag.Key, tag => (string)tag.Value!);
            counted[$"{labels["cache"]}/{labels["result"]}"] = value;
        });
        listener.Start();
        listener.RecordObservableInstruments();

        Assert.Equal(1, counted["product/miss"]);
        Assert.Equal(2, counted["product/hit"]);
        Assert.Equal(1, counted["user/hit"]);
        Assert.Equal(0, counted["user/miss"]);
    }
}
