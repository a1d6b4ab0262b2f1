using System.Security.Claims;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using CloudLab.ProductService.Data;
using CloudLab.ProductService.Models;
using CloudLab.ServiceDefaults.Auth;
using CloudLab.ServiceDefaults.Http;
using CloudLab.ServiceDefaults.Http.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
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

/// <summary>Validating a CloudLab access token, as every service does for a signed-in request.</summary>
[MemoryDiagnoser]
public class JwtValidationBenchmarks
{
    private readonly JsonWebTokenHandler _handler = new();
    private string _token = null!;
    private TokenValidationParameters _parameters = null!;

    [GlobalSetup]
    public void SetUp()
    {
        var options = new AuthOptions { SigningKey = "benchmark-signing-key-0123456789abcdef0123456789abcdef" };
        _token = new TokenFactory(Options.Create(options), TimeProvider.System)
            .CreateToken(Guid.NewGuid().ToString(), "customer", "ada@example.com");
        _parameters = new TokenValidationParameters
        {
            ValidIssuer = options.Issuer,
            ValidAudience = options.Audience,
            IssuerSigningKey = TokenFactory.SigningKey(options),
            NameClaimType = "sub",
            RoleClaimType = "role",
        };
    }

    [Benchmark(Description = "ValidateTokenAsync (HS256)")]
    public async Task<bool> Validate() => (await _handler.ValidateTokenAsync(_token, _parameters)).IsValid;
}
