using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using CloudLab.ServiceDefaults.Http;
using CloudLab.ServiceDefaults.Http.RateLimiting;
using CloudLab.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;

namespace CloudLab.Tests.Unit;

/// <summary>
/// The limiter's middleware: a request holds its in-flight slot until it ends (also when it fails), a refusal is a
/// 429 with Retry-After and the refusing layer, counted, and endpoints with rate limiting disabled pass untouched.
/// </summary>
public sealed class ApiRateLimitingMiddlewareTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection()
        .AddLogging().AddMetrics().AddProblemDetails().AddSingleton<ApiMetrics>().BuildServiceProvider();

    private readonly LayeredRateLimiter _limiter = new(new RateLimitingOptions
    {
        PerClient = new ClientLimits { AnonymousPermitsPerSecond = 10, AnonymousBurst = 2 },
        Service = new ServiceLimits { MaxConcurrentRequests = 16 },
    });

    public void Dispose()
    {
        _limiter.Dispose();
        _services.Dispose();
    }

    [Fact]
    public async Task An_admitted_request_holds_its_slot_until_it_ends_even_when_it_fails()
    {
        var inFlightDuringRequest = -1;
        var middleware = new ApiRateLimitingMiddleware(_ =>
        {
            inFlightDuringRequest = _limiter.InFlight;
            throw new InvalidOperationException("the endpoint failed");
        }, _limiter);

        await Assert.ThrowsAsync<InvalidOperationException>(() => middleware.InvokeAsync(Context()));

        Assert.Equal(1, inFlightDuringRequest);
        Assert.Equal(0, _limiter.InFlight);
    }

    [Fact]
    public async Task A_client_past_its_allowance_gets_429_with_retry_after_and_the_layer_and_is_counted()
    {
        var rejections = new List<string?>();
        using var listener = RejectionListener(rejections);
        var served = 0;
        var middleware = new ApiRateLimitingMiddleware(_ =>
        {
            served++;
            return Task.CompletedTask;
        }, _limiter);

        var contexts = Enumerable.Range(0, 3).Select(_ => Context()).ToList();
        foreach (var context in contexts)
        {
            await middleware.InvokeAsync(context);
        }

        Assert.Equal(2, served);
        var refused = contexts[2].Response;
        Assert.Equal(StatusCodes.Status429TooManyRequests, refused.StatusCode);
        Assert.True(int.Parse(refused.Headers.RetryAfter.ToString(), System.Globalization.CultureInfo.InvariantCulture)
            >= 1);
        refused.Body.Position = 0;
        using var problem = await JsonDocument.ParseAsync(refused.Body);
        Assert.Equal(429, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Equal("client", problem.RootElement.GetProperty("limiter").GetString());
        Assert.Equal(["client"], rejections);
        Assert.Equal(0, _limiter.InFlight);
    }

    [Fact]
    public async Task An_endpoint_with_rate_limiting_disabled_passes_without_taking_a_permit()
    {
        var middleware = new ApiRateLimitingMiddleware(_ => Task.CompletedTask, _limiter);
        for (var i = 0; i < 10; i++)
        {
            var context = Context();
            context.SetEndpoint(new Endpoint(
                null, new EndpointMetadataCollection(new DisableRateLimitingAttribute()), "health"));
            await middleware.InvokeAsync(context);
            Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
        }

        var limited = Context();
        await middleware.InvokeAsync(limited);
        Assert.Equal(StatusCodes.Status200OK, limited.Response.StatusCode); // the client's bucket is still full
    }

    private DefaultHttpContext Context()
    {
        var context = new DefaultHttpContext { RequestServices = _services, Response = { Body = new MemoryStream() } };
        context.Connection.RemoteIpAddress = IPAddress.Parse("10.0.0.7");
        return context;
    }

    private MeterListener RejectionListener(List<string?> layers)
    {
        var factory = _services.GetRequiredService<IMeterFactory>();
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == CloudLabMeters.Api && instrument.Name == "rate_limit_rejections"
                    && instrument.Meter.Scope == factory)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "layer")
                {
                    layers.Add(tag.Value as string);
                }
            }
        });
        listener.Start();
        return listener;
    }
}
