using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using CloudLab.ServiceDefaults.Telemetry;

namespace CloudLab.ServiceDefaults.Caching;

/// <summary>
/// Hits, misses, errors and operation time per cache, and <c>cache_hit_rate</c> (percent of reads served from
/// cache over the last minute). HybridCache and FusionCache report through EventSource/events, not a Meter, so
/// CloudLab counts at its own cache call sites.
/// </summary>
public sealed class CacheMetrics
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly Counter<long> _errors;
    private readonly Histogram<double> _duration;
    private readonly ConcurrentDictionary<string, HitRateWindow> _windows = new();
    private readonly TimeProvider _time;

    public CacheMetrics(IMeterFactory meterFactory, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        var meter = meterFactory.Create(CloudLabMeters.Cache);
        // Observed from the windows' running totals when metrics are collected: a counter updated on every read cost
        // one more tag lookup in OpenTelemetry per cached read (~0.3 µs), for a sum the windows count anyway.
        meter.CreateObservableCounter(
            "cache_requests", ObserveReads, description: "Cache reads, by cache and result (hit or miss).");
        _errors = meter.CreateCounter<long>(
            "cache_errors", description: "Failed operations against the distributed cache (Redis), by operation.");
        _duration = meter.CreateHistogram(
            "cache_operation_duration_seconds",
            unit: "s",
            description: "Time of cache operations, by cache, operation and result.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = CloudLabMeters.LatencyBuckets });
        meter.CreateObservableGauge(
            "cache_hit_rate",
            ObserveHitRates,
            description: "Percentage of reads served from cache over the last minute, by cache.");
    }

    public void RecordRead(string cache, bool hit, TimeSpan elapsed)
    {
        var result = hit ? "hit" : "miss";
        _duration.Record(
            elapsed.TotalSeconds, new TagList { { "cache", cache }, { "operation", "get" }, { "result", result } });
        _windows.GetOrAdd(cache, static _ => new HitRateWindow()).Record(hit, _time.GetTimestamp(), _time);
    }

    public void RecordOperation(string cache, string operation, TimeSpan elapsed, bool failed)
    {
        var result = failed ? "error" : "ok";
        _duration.Record(
            elapsed.TotalSeconds, new TagList { { "cache", cache }, { "operation", operation }, { "result", result } });
        if (failed)
        {
            _errors.Add(1, new TagList { { "cache", cache }, { "operation", operation } });
        }
    }

    /// <summary>The hit rate of a cache over the last minute, or null when it had no reads.</summary>
    public double? HitRate(string cache) =>
        _windows.TryGetValue(cache, out var window) ? window.Rate(_time.GetTimestamp(), _time) : null;

    private IEnumerable<Measurement<double>> ObserveHitRates()
    {
        var now = _time.GetTimestamp();
        foreach (var (cache, window) in _windows)
        {
            if (window.Rate(now, _time) is { } rate)
            {
                yield return new Measurement<double>(rate, new KeyValuePair<string, object?>("cache", cache));
            }
        }
    }

    private IEnumerable<Measurement<long>> ObserveReads()
    {
        foreach (var (cache, window) in _windows)
        {
            var tag = new KeyValuePair<string, object?>("cache", cache);
            yield return new Measurement<long>(window.Hits, tag, new KeyValuePair<string, object?>("result", "hit"));
            yield return new Measurement<long>(window.Misses, tag, new KeyValuePair<string, object?>("result", "miss"));
        }
    }

    /// <summary>
    /// Hits and misses in six 10-second buckets: a one-minute sliding window without a timer. And the totals since
    /// the start, for <c>cache_requests</c>.
    /// </summary>
    private sealed class HitRateWindow
    {
        private const int Buckets = 6;
        private static readonly long BucketSeconds = (long)Window.TotalSeconds / Buckets;

        private readonly long[] _hits = new long[Buckets];
        private readonly long[] _misses = new long[Buckets];
        private readonly long[] _epochs = new long[Buckets];
        private long _totalHits;
        private long _totalMisses;

        public long Hits => Interlocked.Read(ref _totalHits);

        public long Misses => Interlocked.Read(ref _totalMisses);

        public void Record(bool hit, long timestamp, TimeProvider time)
        {
            var epoch = timestamp / (time.TimestampFrequency * BucketSeconds);
            var slot = (int)(epoch % Buckets);
            if (Volatile.Read(ref _epochs[slot]) != epoch)
            {
                lock (this)
                {
                    if (_epochs[slot] != epoch)
                    {
                        _hits[slot] = 0;
                        _misses[slot] = 0;
                        Volatile.Write(ref _epochs[slot], epoch);
                    }
                }
            }

            Interlocked.Increment(ref hit ? ref _hits[slot] : ref _misses[slot]);
            Interlocked.Increment(ref hit ? ref _totalHits : ref _totalMisses);
        }

        public double? Rate(long timestamp, TimeProvider time)
        {
            var epoch = timestamp / (time.TimestampFrequency * BucketSeconds);
            long hits = 0, misses = 0;
            for (var slot = 0; slot < Buckets; slot++)
            {
                if (epoch - Volatile.Read(ref _epochs[slot]) < Buckets)
                {
                    hits += Interlocked.Read(ref _hits[slot]);
                    misses += Interlocked.Read(ref _misses[slot]);
                }
            }

            var total = hits + misses;
            return total == 0 ? null : 100.0 * hits / total;
        }
    }
}
