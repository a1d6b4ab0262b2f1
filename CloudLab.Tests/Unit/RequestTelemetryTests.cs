using System.Diagnostics;
using System.Diagnostics.Metrics;
using CloudLab.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace CloudLab.Tests.Unit;

/// <summary>
/// The request path's telemetry as ConfigureOpenTelemetry sets it up, on a real server: one request histogram (the
/// standard's), no per-request hosting log scope, and traces at the configured sample ratio, parents' decisions kept,
/// with no Activity at all for a request that is not traced.
/// </summary>
public sealed class RequestTelemetryTests
{
    private const string SampledParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    private const string UnsampledParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00";

    [Fact]
    public async Task At_ratio_one_every_request_is_traced_with_its_route()
    {
        await using var server = await ProbeServer.StartAsync(sampleRatio: 1.0);

        var seen = await server.GetAsync();
        await server.GetAsync(); // the first request's span has ended once the second is answered

        Assert.True(seen.Recorded);
        var span = server.Exported[0];
        Assert.Equal(ActivityKind.Server, span.Kind);
        Assert.Equal("/probe", span.GetTagItem("http.route"));
        Assert.Equal(200, span.GetTagItem("http.response.status_code"));
    }

    [Fact]
    public async Task An_unsampled_request_records_and_exports_nothing_and_a_callers_decision_is_kept()
    {
        await using var server = await ProbeServer.StartAsync(sampleRatio: 0.0);

        var root = await server.GetAsync();
        var unsampledChild = await server.GetAsync(UnsampledParent);
        // Not even a propagation-only Activity: an unsampled request allocates none (issue 13).
        Assert.False(root.Exists);
        Assert.False(unsampledChild.Exists);

        var sampledChild = await server.GetAsync(SampledParent);
        await server.GetAsync();
        Assert.True(sampledChild.Recorded);
        var span = Assert.Single(server.Exported);
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", span.TraceId.ToHexString());
        Assert.Equal("b7ad6b7169203331", span.ParentSpanId.ToHexString());
        Assert.Equal("GET /probe", span.DisplayName);
    }

    [Fact]
    public async Task The_only_request_histogram_is_the_standards_and_hosting_opens_no_log_scope_per_request()
    {
        await using var server = await ProbeServer.StartAsync(sampleRatio: 0.01);
        await server.GetAsync();
        var meters = server.App.Services.GetRequiredService<IMeterFactory>();

        // Instruments made again on the same meters are handed to the SDK's listener like the originals.
        var hosting = meters.Create("Microsoft.AspNetCore.Hosting")
            .CreateHistogram<double>("http.server.request.duration", "s");
        var rateLimiting = meters.Create("Microsoft.AspNetCore.RateLimiting");
        var leases = rateLimiting.CreateHistogram<double>("aspnetcore.rate_limiting.request_lease.duration", "s");
        var limiterDecisions = rateLimiting.CreateCounter<long>("aspnetcore.rate_limiting.requests");
        var activeLeases = rateLimiting.CreateUpDownCounter<long>("aspnetcore.rate_limiting.active_request_leases");
        var standard = meters.Create(CloudLabMeters.Api).CreateHistogram<double>("api_request_duration_seconds", "s");
        Assert.False(hosting.Enabled);
        Assert.False(meters.Create("Microsoft.AspNetCore.Hosting")
            .CreateUpDownCounter<long>("http.server.active_requests", "{request}").Enabled);
        Assert.False(leases.Enabled);
        Assert.False(activeLeases.Enabled);
        Assert.True(standard.Enabled);
        Assert.True(limiterDecisions.Enabled); // the meter is collected; only the duplicate is viewed away

        // Per-request counters nobody reads: the buffer pool's rents and returns, route matches, token-check times.
        var pool = meters.Create("Microsoft.AspNetCore.MemoryPool");
        Assert.False(pool.CreateCounter<long>("aspnetcore.memory_pool.rented", "By").Enabled);
        Assert.False(pool.CreateUpDownCounter<long>("aspnetcore.memory_pool.pooled", "By").Enabled);
        Assert.True(pool.CreateCounter<long>("aspnetcore.memory_pool.allocated", "By").Enabled);
        Assert.False(meters.Create("Microsoft.AspNetCore.Routing")
            .CreateCounter<long>("aspnetcore.routing.match_attempts").Enabled);
        Assert.False(meters.Create("Microsoft.AspNetCore.Authentication")
            .CreateHistogram<double>("aspnetcore.authentication.authenticate.duration", "s").Enabled);

        var hostingLogger = server.App.Services.GetRequiredService<ILoggerFactory>()
            .CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics");
        Assert.False(hostingLogger.IsEnabled(LogLevel.Critical));
    }

    private sealed record Seen(bool Exists, bool Recorded, bool AllDataRequested);

    /// <summary>A server with the services' telemetry and one endpoint that says what Activity it ran under.</summary>
    private sealed class ProbeServer : IAsyncDisposable
    {
        private readonly HttpClient _client;
        private readonly List<Activity> _exported;

        private ProbeServer(WebApplication app, List<Activity> exported)
        {
            App = app;
            _exported = exported;
            var address = app.Services.GetRequiredService<IServer>().Features
                .GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
            // No propagator on the client: in this process it would add a traceparent of its own next to the test's.
            _client = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null })
            {
                BaseAddress = new Uri(address),
            };
        }

        public WebApplication App { get; }

        /// <summary>
        /// The probe's server spans. The tracer provider listens process-wide, so tests running beside this one add
        /// their HTTP clients' and servers' spans to the same exporter (a CI run failed on a client span that came
        /// first). No other test serves /probe, and this class's tests run one at a time.
        /// </summary>
        public IReadOnlyList<Activity> Exported
        {
            get
            {
                lock (_exported)
                {
                    return _exported.Where(span => span.Kind == ActivityKind.Server
                        && Equals(span.GetTagItem("http.route"), "/probe")).ToList();
                }
            }
        }

        public static async Task<ProbeServer> StartAsync(double sampleRatio)
        {
            var builder = WebApplication.CreateBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration["Telemetry:TraceSampleRatio"] = sampleRatio.ToString(
                System.Globalization.CultureInfo.InvariantCulture);
            builder.ConfigureOpenTelemetry();
            var exported = new List<Activity>();
            builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddProcessor(
                new SimpleActivityExportProcessor(new CollectingExporter(exported))));
            var app = builder.Build();
            app.MapGet("/probe", () =>
            {
                var current = Activity.Current;
                return TypedResults.Ok(new Seen(
                    current is not null, current?.Recorded ?? false, current?.IsAllDataRequested ?? false));
            });
            await app.StartAsync();
            return new ProbeServer(app, exported);
        }

        public async Task<Seen> GetAsync(string? traceParent = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/probe");
            if (traceParent is not null)
            {
                request.Headers.Add("traceparent", traceParent);
            }

            using var response = await _client.SendAsync(request);
            response.EnsureSuccessStatusCode();
            // Kestrel ends a request (and its span) before it reads the next one from the same connection.
            return (await response.Content.ReadFromJsonAsync<Seen>())!;
        }

        public async ValueTask DisposeAsync()
        {
            _client.Dispose();
            await App.StopAsync();
            await App.DisposeAsync();
        }
    }

    private sealed class CollectingExporter(List<Activity> exported) : BaseExporter<Activity>
    {
        public override ExportResult Export(in Batch<Activity> batch)
        {
            lock (exported)
            {
                foreach (var activity in batch)
                {
                    exported.Add(activity);
                }
            }

            return ExportResult.Success;
        }
    }
}
