using System.Collections.Concurrent;
using System.Net;
using System.Security.Claims;
using System.Threading.RateLimiting;
using CloudLab.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Http;

namespace CloudLab.ServiceDefaults.Http.RateLimiting;

/// <summary>
/// The two layers as one global limiter: a token bucket per client, then the service layer: the instance's share of
/// the service's burst rate and a bound on requests in flight. A refusal carries the layer that refused and when to
/// retry, for the 429 and its metric. Endpoints marked <see cref="ExcludeFromServiceCapacityAttribute"/> pass the
/// client layer only.
/// An admitted request costs a dictionary lookup and three interlocked operations (client bucket, service bucket,
/// in-flight count), with no lock: PartitionedRateLimiter.Create and TokenBucketRateLimiter took a lock each and
/// allocated a partition delegate and leases per request (CloudLab.Benchmarks, RateLimiter: before and after).
/// </summary>
public sealed class LayeredRateLimiter : PartitionedRateLimiter<HttpContext>
{
    public const string LayerMetadataName = "CLOUDLAB_LIMITER_LAYER";

    /// <summary>A client's bucket that has been full this long is dropped: a new one would be the same.</summary>
    private static readonly TimeSpan IdleClientLifetime = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan SlotRetryAfter = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<ClientKey, PermitBucket> _clients = new();
    private readonly ClientLimits _clientLimits;
    private readonly PermitBucket? _service;
    private readonly int _maxInFlight;
    private readonly TimeProvider _time;
    private readonly ITimer _sweep;
    private int _inFlight;

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

        _maxInFlight = service.MaxConcurrentRequests;
        _sweep = _time.CreateTimer(
            static state => ((LayeredRateLimiter)state!).DropIdleClients(), this, IdleClientLifetime,
            IdleClientLifetime);
    }

    /// <summary>Requests admitted and not finished yet.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

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

        if (_maxInFlight <= 0)
        {
            return AdmittedLease.Instance;
        }

        if (Interlocked.Add(ref _inFlight, permitCount) > _maxInFlight)
        {
            Interlocked.Add(ref _inFlight, -permitCount);
            return new RefusedLease("service", SlotRetryAfter);
        }

        return new SlotLease(this, permitCount); // the slot is given back when the request ends
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
    private static ClientKey Client(HttpContext context)
    {
        var subject = context.User.FindFirstValue("sub");
        if (subject is null)
        {
            return new ClientKey(ClientKind.Anonymous, null, context.Connection.RemoteIpAddress ?? IPAddress.None);
        }

        return new ClientKey(
            context.User.IsInRole(Roles.Service) ? ClientKind.Service : ClientKind.User, subject, null);
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
    private sealed class SlotLease(LayeredRateLimiter limiter, int slots) : RateLimitLease
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
                Interlocked.Add(ref limiter._inFlight, -slots);
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
