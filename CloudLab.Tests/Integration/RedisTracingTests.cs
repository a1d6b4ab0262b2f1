using System.Collections.Concurrent;
using System.Diagnostics;
using CloudLab.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry.Instrumentation.StackExchangeRedis;
using OpenTelemetry.Trace;
using StackExchange.Redis;

namespace CloudLab.Tests.Integration;

/// <summary>
/// Redis commands of traced work still become child spans, and only they do; the tracing keeps a command only briefly:
/// it holds every command, traced or not, until its next flush, and ten seconds of them were most of what the
/// services' young generation collections had to keep.
/// </summary>
[Collection(CloudLabCollection.Name)]
public sealed class RedisTracingTests(CloudLabAppFixture app)
{
    private const string RedisSourceName = "OpenTelemetry.Instrumentation.StackExchangeRedis";

    [Fact]
    public async Task A_command_of_traced_work_becomes_its_child_span_soon_and_untraced_work_makes_none()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:redis"] = await app.ConnectionStringAsync("redis");
        builder.AddServiceCache();
        using var host = builder.Build();
        var flush = host.Services.GetRequiredService<IOptionsMonitor<StackExchangeRedisInstrumentationOptions>>()
            .Get(Options.DefaultName).FlushInterval;
        Assert.True(flush <= TimeSpan.FromSeconds(1), $"Redis commands are kept for {flush} before their spans.");
        using var tracing = host.Services.GetRequiredService<TracerProvider>();
        var redisSpans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is RedisSourceName or nameof(RedisTracingTests),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.Source.Name == RedisSourceName)
                {
                    redisSpans.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        using var source = new ActivitySource(nameof(RedisTracingTests));
        var redis = host.Services.GetRequiredService<IConnectionMultiplexer>();

        await redis.GetDatabase().StringSetAsync(
            $"redis-tracing:{Guid.NewGuid():N}", "untraced", TimeSpan.FromMinutes(1));
        ActivitySpanId parentSpan;
        using (var parent = source.StartActivity("traced work"))
        {
            parentSpan = parent!.SpanId;
            await redis.GetDatabase().StringSetAsync($"redis-tracing:{Guid.NewGuid():N}", "x", TimeSpan.FromMinutes(1));
        }

        var deadline = Stopwatch.StartNew();
        while (!redisSpans.Any(span => span.ParentSpanId == parentSpan) && deadline.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(20);
        }

        Assert.Contains(redisSpans, span => span.ParentSpanId == parentSpan);
        Assert.DoesNotContain(redisSpans, span => span.ParentSpanId == default); // untraced work makes no span
    }
}
