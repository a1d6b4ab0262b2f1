using System.Collections.Concurrent;
using System.Net;
using System.Security.Claims;
using System.Threading.RateLimiting;
using CloudLab.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features.Authentication;

namespace CloudLab.ServiceDefaults.Http.RateLimiting;

/// <summary>
/// The two layers as one global limiter: a token bucket per client, then the service layer: a bound on requests in
/// flight that adapts to their measured latency (<see cref="AdaptiveConcurrencyLimit"/>), and optionally the
/// instance's share of a fixed rate (off by default). A refusal carries the layer that refused and when to retry, for
/// the 429 and its metric. Endpoints marked <see cref="ExcludeFromServiceCapacityAttribute"/> pass the client layer
/// only.
/// An admitted request costs a dictionary lookup, a few interlocked operations and two timestamps, with no lock:
/// PartitionedRateLimiter.Create and TokenBucketRateLimiter took a lock each and allocated a partition delegate and
/// leases per request (CloudLab.Benchmarks, RateLimiter: before and after).
/// </summary>
public sealed class LayeredRateLimiter : PartitionedRateLimiter<HttpContext>
{
    public const string LayerMetadataName = "CLOUDLAB_LIMITER_LAYER";

    /// <summary>A client's bucket that has been full this long is dropped: a new one would be the same.</summary>
    private static readonly TimeSpan IdleClientLifetime = TimeSpan.FromSeconds(10);

    /// <summary>Refused by the in-flight bound: the 429's Retry-After is the header's smallest value.</summary>
    private static readonly RefusedLease OverloadRefusal = new("service", TimeSpan.FromSeconds(1));

    private readonly ConcurrentDictionary<ClientKey, PermitBucket> _clients = new();
    private readonly ClientLimits _clientLimits;
    private readonly PermitBucket? _service;
    private readonly AdaptiveConcurrencyLimit? _concurrency;
    private readonly TimeProvider _time;
    private readonly ITimer _sweep;

    public LayeredRateLimiter(RateLimitingOptions options, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _clientLimits = options.PerClient;
        var service = options.Service;
        if (service.BurstPermitsPerSecond > 0)
        {
            var perInstance = Math.Max(1, service.BurstPermitsPerSecond / Math.Max(1, service.Instances));
            _service = Bucket(perInstance, perInstance);
        }

        if (service.MaxConcurrentRequests > 0)
        {
            _concurrency = new AdaptiveConcurrencyLimit(
                TimeSpan.FromMilliseconds(service.LatencyTargetMilliseconds),
                Math.Min(service.MinConcurrentRequests, service.MaxConcurrentRequests),
                service.MaxConcurrentRequests,
                _time.TimestampFrequency);
        }

        _sweep = _time.CreateTimer(
            static state => ((LayeredRateLimiter)state!).DropIdleClients(), this, IdleClientLifetime,
            IdleClientLifetime);
    }

    /// <summary>Requests admitted by the service layer and not finished yet.</summary>
    public int InFlight => _concurrency?.InFlight ?? 0;

    /// <summary>The service layer's bound on requests in flight now (0: none).</summary>
    public int ConcurrencyLimit => _concurrency?.Limit ?? 0;

    public override RateLimiterStatistics? GetStatistics(HttpContext resource) =>
        _clients.TryGetValue(Client(resource), out var bucket)
            ? new RateLimiterStatistics { CurrentAvailablePermits = bucket.Available(_time.GetTimestamp()) }
            : null;

    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount)
    {
        var now = _time.GetTimestamp();
        var key = Client(resource);
        if (!_clients.TryGetValue(key, out var bucket))
        {
            bucket = _clients.GetOrAdd(key, static (client, limiter) => limiter.NewClientBucket(client.Kind), this);
        }

        if (!bucket.TryTake(permitCount, now, out var clientWait))
        {
            return new RefusedLease("client", clientWait);
        }

        if (resource.GetEndpoint()?.Metadata.GetMetadata<ExcludeFromServiceCapacityAttribute>() is not null)
        {
            return AdmittedLease.Instance;
        }

        if (_service is not null && !_service.TryTake(permitCount, now, out var serviceWait))
        {
            return new RefusedLease("service", serviceWait);
        }

        if (_concurrency is null)
        {
            return AdmittedLease.Instance;
        }

        if (!_concurrency.TryEnter(permitCount))
        {
            return OverloadRefusal;
        }

        // The slot is given back when the request ends, with its latency.
        return new SlotLease(_concurrency, _time, permitCount, now);
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(
        HttpContext resource, int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(resource, permitCount)); // no queueing: overload is answered at once

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _sweep.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>
    /// Who a request counts against: its subject when signed in, else its address (no string built per request).
    /// Another service calling on its own behalf carries many customers' work: it must not share (and so exhaust) one
    /// customer-sized bucket, and no customer's traffic can land in its bucket.
    /// </summary>
    /// <remarks>
    /// The user is read from the authentication feature, which only authentication sets: <c>HttpContext.User</c> makes
    /// an empty principal for a request that never authenticated (the feature, the principal, an identity and their
    /// lists). A cached anonymous read allocated 1,369-1,436 bytes after this against 1,522-1,678 before
    /// (CloudLab.Benchmarks/reads/profile/per-request.sh, two runs of each).
    /// </remarks>
    private static ClientKey Client(HttpContext context)
    {
        var user = context.Features.Get<IHttpAuthenticationFeature>()?.User;
        if (user?.FindFirstValue("sub") is not { } subject)
        {
            return new ClientKey(ClientKind.Anonymous, null, context.Connection.RemoteIpAddress ?? IPAddress.None);
        }

        return new ClientKey(user.IsInRole(Roles.Service) ? ClientKind.Service : ClientKind.User, subject, null);
    }

    private PermitBucket NewClientBucket(ClientKind kind) => kind switch
    {
        ClientKind.Anonymous => Bucket(_clientLimits.AnonymousPermitsPerSecond, _clientLimits.AnonymousBurst),
        ClientKind.Service => Bucket(_clientLimits.ServicePermitsPerSecond, _clientLimits.ServiceBurst),
        _ => Bucket(_clientLimits.AuthenticatedPermitsPerSecond, _clientLimits.AuthenticatedBurst),
    };

    /// <summary>
    /// The same allowance the token buckets had: a tenth of the rate every 100 ms (at least one permit), and a burst of
    /// at least one such tenth.
    /// </summary>
    private PermitBucket Bucket(int permitsPerSecond, int burst)
    {
        var perTenth = Math.Max(1, permitsPerSecond / 10);
        return new PermitBucket(perTenth * 10L, Math.Max(burst, perTenth), _time.TimestampFrequency);
    }

    private void DropIdleClients()
    {
        var idleSince = _time.GetTimestamp() - (long)(IdleClientLifetime.TotalSeconds * _time.TimestampFrequency);
        foreach (var client in _clients)
        {
            if (client.Value.FullSince(idleSince))
            {
                _clients.TryRemove(client);
            }
        }
    }

    private readonly record struct ClientKey(ClientKind Kind, string? Subject, IPAddress? Address);

    private enum ClientKind
    {
        Anonymous,
        User,
        Service,
    }

    /// <summary>Admitted with nothing to give back (token buckets hand out nothing): one shared instance.</summary>
    private sealed class AdmittedLease : RateLimitLease
    {
        public static readonly AdmittedLease Instance = new();

        public override bool IsAcquired => true;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }

    /// <summary>Holds in-flight slots until the request ends; giving them back twice is a no-op.</summary>
    private sealed class SlotLease(AdaptiveConcurrencyLimit limit, TimeProvider time, int slots, long started)
        : RateLimitLease
    {
        private int _released;

        public override bool IsAcquired => true;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && Interlocked.Exchange(ref _released, 1) == 0)
            {
                limit.Exit(slots, started, time.GetTimestamp());
            }

            base.Dispose(disposing);
        }
    }

    private sealed class RefusedLease(string layer, TimeSpan retryAfter) : RateLimitLease
    {
        public override bool IsAcquired => false;

        public override IEnumerable<string> MetadataNames => [LayerMetadataName, MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = metadataName switch
            {
                LayerMetadataName => layer,
                _ when metadataName == MetadataName.RetryAfter.Name => retryAfter,
                _ => null,
            };
            return metadata is not null;
        }
    }
}
