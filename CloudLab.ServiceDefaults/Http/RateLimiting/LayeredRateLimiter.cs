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
/// (PartitionedRateLimiter.CreateChained does the chaining but does not say which limiter refused.)
/// </summary>
public sealed class LayeredRateLimiter : PartitionedRateLimiter<HttpContext>
{
    public const string LayerMetadataName = "CLOUDLAB_LIMITER_LAYER";

    private readonly PartitionedRateLimiter<HttpContext> _perClient;
    private readonly RateLimiter? _service;
    private readonly ConcurrencyLimiter? _inFlight;

    public LayeredRateLimiter(RateLimitingOptions options)
    {
        var client = options.PerClient;
        _perClient = PartitionedRateLimiter.Create<HttpContext, ClientKey>(context =>
        {
            var subject = context.User.FindFirstValue("sub");
            if (subject is null)
            {
                var address = context.Connection.RemoteIpAddress ?? IPAddress.None;
                return RateLimitPartition.GetTokenBucketLimiter(
                    new ClientKey(ClientKind.Anonymous, null, address),
                    _ => Bucket(client.AnonymousPermitsPerSecond, client.AnonymousBurst));
            }

            // Another service calling on its own behalf carries many customers' work: it must not share (and so
            // exhaust) one customer-sized bucket, and no customer's traffic can land in its bucket.
            return context.User.IsInRole(Roles.Service)
                ? RateLimitPartition.GetTokenBucketLimiter(
                    new ClientKey(ClientKind.Service, subject, null),
                    _ => Bucket(client.ServicePermitsPerSecond, client.ServiceBurst))
                : RateLimitPartition.GetTokenBucketLimiter(
                    new ClientKey(ClientKind.User, subject, null),
                    _ => Bucket(client.AuthenticatedPermitsPerSecond, client.AuthenticatedBurst));
        });

        var service = options.Service;
        if (service.BurstPermitsPerSecond > 0)
        {
            var perInstance = Math.Max(1, service.BurstPermitsPerSecond / Math.Max(1, service.Instances));
            _service = new TokenBucketRateLimiter(Bucket(perInstance, perInstance));
        }

        if (service.MaxConcurrentRequests > 0)
        {
            _inFlight = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
            {
                PermitLimit = service.MaxConcurrentRequests,
                QueueLimit = 0,
            });
        }
    }

    public override RateLimiterStatistics? GetStatistics(HttpContext resource) => _perClient.GetStatistics(resource);

    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount)
    {
        var clientLease = _perClient.AttemptAcquire(resource, permitCount);
        if (!clientLease.IsAcquired)
        {
            return Refused("client", clientLease);
        }

        if (resource.GetEndpoint()?.Metadata.GetMetadata<ExcludeFromServiceCapacityAttribute>() is not null)
        {
            return clientLease;
        }

        if (_service is not null)
        {
            var serviceLease = _service.AttemptAcquire(permitCount);
            if (!serviceLease.IsAcquired)
            {
                clientLease.Dispose();
                return Refused("service", serviceLease);
            }

            serviceLease.Dispose(); // token buckets hand out nothing to give back
        }

        if (_inFlight is null)
        {
            return clientLease;
        }

        var slot = _inFlight.AttemptAcquire(permitCount);
        if (!slot.IsAcquired)
        {
            clientLease.Dispose();
            return Refused("service", slot);
        }

        return new HeldLease(clientLease, slot); // the slot is given back when the request ends
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(
        HttpContext resource, int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(resource, permitCount)); // no queueing: overload is answered at once

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _perClient.Dispose();
            _service?.Dispose();
            _inFlight?.Dispose();
        }

        base.Dispose(disposing);
    }

    private static TokenBucketRateLimiterOptions Bucket(int permitsPerSecond, int burst)
    {
        // Refill ten times a second so a client's allowance arrives smoothly rather than in one-second lumps.
        var perTick = Math.Max(1, permitsPerSecond / 10);
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(burst, perTick),
            TokensPerPeriod = perTick,
            ReplenishmentPeriod = TimeSpan.FromMilliseconds(100),
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }

    /// <summary>
    /// Who a request counts against: its subject when signed in, else its address (no string built per request).
    /// </summary>
    private readonly record struct ClientKey(ClientKind Kind, string? Subject, IPAddress? Address);

    private enum ClientKind
    {
        Anonymous,
        User,
        Service,
    }

    private static RefusedLease Refused(string layer, RateLimitLease inner)
    {
        var retryAfter = inner.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        inner.Dispose();
        return new RefusedLease(layer, retryAfter);
    }

    private sealed class HeldLease(RateLimitLease client, RateLimitLease slot) : RateLimitLease
    {
        public override bool IsAcquired => true;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                slot.Dispose();
                client.Dispose();
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
