using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using CloudLab.ProductService.Data;
using CloudLab.ProductService.Models;
using CloudLab.ServiceDefaults.Auth;
using CloudLab.ServiceDefaults.Http;
using CloudLab.ServiceDefaults.Http.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CloudLab.Benchmarks;

/// <summary>Product JSON: the source-generated serializer the API uses, against reflection.</summary>
[MemoryDiagnoser]
public class SerializationBenchmarks
{
    private static readonly Product Product = SampleProduct.Lamp;
    private static readonly JsonSerializerOptions Reflection = new(JsonSerializerDefaults.Web);

    [Benchmark(Baseline = true, Description = "reflection")]
    public byte[] WithReflection() => JsonSerializer.SerializeToUtf8Bytes(Product, Reflection);

    [Benchmark(Description = "source generated (ProductJsonContext)")]
    public byte[] SourceGenerated() => JsonSerializer.SerializeToUtf8Bytes(Product, ProductJsonContext.Default.Product);
}

/// <summary>Paging and the catalogue's query building, per list request.</summary>
[MemoryDiagnoser]
public class PagingBenchmarks
{
    private static readonly ProductFilter Filter = new(Guid.NewGuid(), ProductStatus.Active, true, "smart");

    [Benchmark(Description = "PageRequest.Parse")]
    public PageRequest Parse() => PageRequest.Parse("3", "50");

    [Benchmark(Description = "ProductStore.BuildWhere (all four filters)")]
    public string BuildWhere() => ProductStore.BuildWhere(Filter).Where;

    [Benchmark(Description = "ProductFilter.CacheKey")]
    public string CacheKey() => Filter.CacheKey(3, 50);
}

/// <summary>The rate limiter's two layers, per request (budgets high enough never to refuse).</summary>
[MemoryDiagnoser]
public class RateLimiterBenchmarks
{
    private LayeredRateLimiter _limiter = null!;
    private DefaultHttpContext _anonymous = null!;
    private DefaultHttpContext _user = null!;

    [GlobalSetup]
    public void SetUp()
    {
        _limiter = new LayeredRateLimiter(new RateLimitingOptions
        {
            PerClient = new ClientLimits
            {
                AnonymousPermitsPerSecond = int.MaxValue / 2,
                AnonymousBurst = int.MaxValue / 2,
                AuthenticatedPermitsPerSecond = int.MaxValue / 2,
                AuthenticatedBurst = int.MaxValue / 2,
            },
            Service = new ServiceLimits { BurstPermitsPerSecond = int.MaxValue / 2 },
        });
        _anonymous = new DefaultHttpContext { Connection = { RemoteIpAddress = System.Net.IPAddress.Loopback } };
        _user = new DefaultHttpContext
        {
            User = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", Guid.NewGuid().ToString())], "jwt")),
        };
    }

    [GlobalCleanup]
    public void CleanUp() => _limiter.Dispose();

    [Benchmark(Description = "acquire, anonymous (by address)")]
    public bool Anonymous()
    {
        using var lease = _limiter.AttemptAcquire(_anonymous);
        return lease.IsAcquired;
    }

    [Benchmark(Description = "acquire, signed in (by user id)")]
    public bool SignedIn()
    {
        using var lease = _limiter.AttemptAcquire(_user);
        return lease.IsAcquired;
    }
}

/// <summary>
/// Validating a CloudLab access token, as every service does for a signed-in request: ES256 under TrustedSigners' key
/// rules (what a token costs the first time a process sees it), the validated-token cache's hit (every later request
/// with it), and signing one (each log-in).
/// </summary>
[MemoryDiagnoser]
public class JwtValidationBenchmarks
{
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private ValidatedTokenCache _cache = null!;
    private TokenSigner _signer = null!;
    private string _token = null!;
    private TokenValidationParameters _parameters = null!;

    [GlobalSetup]
    public async Task SetUp()
    {
        using var userKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var options = new AuthOptions
        {
            ServiceName = "productservice",
            UserTokenKeys = userKey.ExportSubjectPublicKeyInfoPem(),
        };
        _signer = new TokenSigner(
            SigningKeys.Private(userKey.ExportPkcs8PrivateKeyPem(), "benchmark"), options.UserTokenIssuer,
            TimeProvider.System);
        _token = _signer.Sign(Guid.NewGuid().ToString(), "customer", options.Audience, TimeSpan.FromHours(1), "a@b.c");
        _parameters = new TrustedSigners(options).ValidationParameters;
        _cache = new ValidatedTokenCache(1000, TimeProvider.System);
        if (!(await _cache.ValidateTokenAsync(_token, _parameters)).IsValid)
        {
            throw new InvalidOperationException("The benchmark token does not validate.");
        }
    }

    [GlobalCleanup]
    public void CleanUp() => _cache.Dispose();

    [Benchmark(Baseline = true, Description = "ValidateTokenAsync (ES256, TrustedSigners' rules)")]
    public async Task<bool> Validate() => (await _handler.ValidateTokenAsync(_token, _parameters)).IsValid;

    [Benchmark(Description = "ValidatedTokenCache hit")]
    public async Task<bool> CacheHit() => (await _cache.ValidateTokenAsync(_token, _parameters)).IsValid;

    [Benchmark(Description = "TokenSigner.Sign (ES256, per log-in)")]
    public string Sign() => _signer.Sign("ada", "customer", "cloudlab", TimeSpan.FromHours(1));
}
