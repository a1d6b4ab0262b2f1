using System.Security.Cryptography;
using System.Text;
using CloudLab.ServiceDefaults.Auth;
using CloudLab.Tests.Infrastructure;
using static CloudLab.Tests.Infrastructure.Tokens;
using Microsoft.IdentityModel.Tokens;

namespace CloudLab.Tests.Integration;

/// <summary>
/// Only UserService's key vouches for a user: a token signed by any other key (a compromised service's own key, the
/// old shared HS256 secret, none at all) is refused with 401 by every service, whatever it claims. A service's key
/// vouches only for that service, towards the one service the token names.
/// </summary>
[Collection(CloudLabCollection.Name)]
public sealed class TokenTrustTests(CloudLabAppFixture app)
{
    private const string OldSharedSecret = "cloudlab-development-only-signing-key-change-me-0123456789abcdef";

    public static TheoryData<string> Services => new(CloudLabAppFixture.Services);

    [Theory]
    [MemberData(nameof(Services))]
    public async Task A_real_admin_log_in_token_is_accepted(string service)
    {
        var admin = await app.AdminAsync();
        using var client = app.Client(service);
        using var response = await client.SendAsync(AdminProbe(service, admin.Token));
        Assert.True(
            response.IsSuccessStatusCode,
            $"{service} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task Admin_tokens_not_signed_by_UserService_are_refused(string service)
    {
        var admin = (await app.AdminAsync()).Id.ToString();
        var product = Key("productservice");
        var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var userKey = Key("user-token");
        var oldSharedSecret = new SigningCredentials(
            new SymmetricSecurityKey(Encoding.UTF8.GetBytes(OldSharedSecret)), SecurityAlgorithms.HmacSha256);
        var forgeries = new Dictionary<string, string>
        {
            ["product's key posing as UserService"] = Sign(product, UserIssuer, admin, "admin", "cloudlab"),
            ["product's key under its own name"] = Sign(product, "productservice", admin, "admin", "cloudlab"),
            ["product's service token with admin too"] = Sign(
                product, "productservice", "productservice", new[] { "service", "admin" }, service),
            ["a stranger's key under UserService's key id"] = Sign(
                stranger, UserIssuer, admin, "admin", "cloudlab", keyId: SigningKeys.KeyId(userKey)),
            ["HS256 with the old shared secret"] = Sign(oldSharedSecret, UserIssuer, admin, "admin", "cloudlab"),
            ["unsigned (alg none)"] = Sign(credentials: null, UserIssuer, admin, "admin", "cloudlab"),
        };

        using var client = app.Client(service);
        foreach (var (forgery, token) in forgeries)
        {
            using var response = await client.SendAsync(AdminProbe(service, token));
            Assert.True(
                response.StatusCode == HttpStatusCode.Unauthorized,
                $"{service} answered {(int)response.StatusCode} to {forgery}.");
            await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
        }
    }

    [Fact]
    public async Task A_service_key_speaks_only_for_its_own_service_and_only_to_the_service_named()
    {
        var product = Key("productservice");
        using var payments = app.Client("paymentservice");
        using var orders = app.Client("orderservice");
        var paymentsOfNoOrder = $"/api/payments?order_id={Guid.NewGuid()}";

        // Product's own service token for PaymentService: what Product may legitimately send.
        var own = Sign(product, "productservice", "productservice", "service", "paymentservice");
        using var accepted = await payments.SendAsync(Request(HttpMethod.Get, paymentsOfNoOrder, own));
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);

        // The same token replayed at another service, and Product's key posing as OrderService.
        using var replayed = await orders.SendAsync(Request(HttpMethod.Get, "/api/orders", own));
        await replayed.AssertProblemAsync(HttpStatusCode.Unauthorized);
        var posing = Sign(product, "orderservice", "orderservice", "service", "paymentservice");
        using var impersonated = await payments.SendAsync(Request(HttpMethod.Get, paymentsOfNoOrder, posing));
        await impersonated.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_service_token_opens_only_the_endpoints_meant_for_its_service()
    {
        using var products = app.Client("productservice");
        using var payments = app.Client("paymentservice");
        var release = $"/api/products/reservations/{Guid.NewGuid()}";

        // OrderService reserves and releases stock; AnalyticsService, with a valid token of its own, may not.
        var fromOrders = Sign(Key("orderservice"), "orderservice", "orderservice", "service", "productservice");
        using var released = await products.SendAsync(Request(HttpMethod.Delete, release, fromOrders));
        Assert.True(released.IsSuccessStatusCode, $"OrderService's release answered {(int)released.StatusCode}");
        var analytics = Key("analyticsservice");
        var toProducts = Sign(analytics, "analyticsservice", "analyticsservice", "service", "productservice");
        using var refused = await products.SendAsync(Request(HttpMethod.Delete, release, toProducts));
        await refused.AssertProblemAsync(HttpStatusCode.Forbidden);

        // Nor may it charge or refund.
        var toPayments = Sign(analytics, "analyticsservice", "analyticsservice", "service", "paymentservice");
        foreach (var (method, path) in new[]
        {
            (HttpMethod.Post, "/api/payments/batch"),
            (HttpMethod.Post, "/api/payments"),
            (HttpMethod.Post, $"/api/payments/{Guid.NewGuid()}/refund"),
        })
        {
            using var charge = await payments.SendAsync(Request(method, path, toPayments));
            await charge.AssertProblemAsync(HttpStatusCode.Forbidden);
        }
    }

    [Fact]
    public void Each_replica_holds_its_own_service_key_and_only_UserService_the_user_token_key()
    {
        var replicas = app.ResourceStates
            .Where(resource => CloudLabAppFixture.Services.Contains(resource.Resource.Name))
            .ToList();
        Assert.Equal(7, replicas.Count);

        foreach (var replica in replicas)
        {
            var service = replica.Resource.Name;
            var environment = replica.Snapshot.EnvironmentVariables
                .Where(variable => variable.IsFromSpec)
                .ToDictionary(variable => variable.Name, variable => variable.Value);
            var privateKeys = environment
                .Where(variable => variable.Value?.Contains("PRIVATE KEY", StringComparison.Ordinal) == true)
                .Select(variable => variable.Key)
                .Order(StringComparer.Ordinal);

            Assert.Equal(
                service == "userservice" ? ["Auth__ServiceKey", "UserTokens__SigningKey"] : ["Auth__ServiceKey"],
                privateKeys);
            Assert.Equal(app.SigningKeys[$"{service}-signing-key"], environment["Auth__ServiceKey"]);
            Assert.Equal(service, environment["Auth__ServiceName"]);
        }
    }

    /// <summary>A request that needs a signed-in caller (an admin, for most), with no lasting effect.</summary>
    private static HttpRequestMessage AdminProbe(string service, string token) => service switch
    {
        "userservice" => Request(HttpMethod.Get, "/api/users?page_size=1", token),
        "productservice" => Request(HttpMethod.Delete, $"/api/products/reservations/{Guid.NewGuid()}", token),
        "orderservice" => Request(HttpMethod.Get, "/api/orders", token),
        "paymentservice" => Request(HttpMethod.Get, $"/api/payments?order_id={Guid.NewGuid()}", token),
        "analyticsservice" => Request(HttpMethod.Get, "/api/analytics/sales", token),
        _ => throw new ArgumentOutOfRangeException(nameof(service)),
    };

    private static HttpRequestMessage Request(HttpMethod method, string path, string token)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new("Bearer", token);
        return request;
    }

    /// <remarks>
    /// Not disposed: IdentityModel caches a key's signature provider process-wide by the key's thumbprint, so a later
    /// test loading the same key would be handed a provider bound to a disposed one.
    /// </remarks>
    private ECDsa Key(string owner)
    {
        var key = ECDsa.Create();
        key.ImportFromPem(app.SigningKeys[$"{owner}-signing-key"]);
        return key;
    }
}
