using System.Text;
using CloudLab.ServiceDefaults.Auth;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using CloudLab.Tests.Infrastructure;
using static CloudLab.Tests.Infrastructure.Tokens;
using static CloudLab.Tests.Unit.Auth.TestKeys;

namespace CloudLab.Tests.Unit.Auth;

/// <summary>
/// The key-selection rules every service validates with: which key may vouch for which identity, role and audience.
/// </summary>
public sealed class TrustedSignersTests
{
    [Theory]
    [InlineData("admin")]
    [InlineData("customer")]
    public async Task The_user_token_key_vouches_for_users_of_any_role_but_service(string role)
    {
        Assert.True(await AcceptedAsync(Sign(User, UserIssuer, Guid.NewGuid().ToString(), role, "cloudlab")));
        Assert.False(await AcceptedAsync(Sign(User, UserIssuer, "orderservice", "service", "cloudlab")));
    }

    [Fact]
    public async Task A_service_key_vouches_for_its_own_service_calling_the_service_it_names()
    {
        var call = Sign(Order, "orderservice", "orderservice", "service", "paymentservice");

        Assert.True(await AcceptedAsync(call, at: "paymentservice"));
        Assert.False(await AcceptedAsync(call, at: "productservice"));
        Assert.False(await AcceptedAsync(
            Sign(Order, "orderservice", "orderservice", "service", "cloudlab"), at: "paymentservice"));
    }

    [Fact]
    public async Task A_service_key_cannot_vouch_for_a_user_an_admin_or_another_service()
    {
        var admin = Guid.NewGuid().ToString();
        string[] forgeries =
        [
            Sign(Order, UserIssuer, admin, "admin", "cloudlab"),
            Sign(Order, "orderservice", admin, "admin", "paymentservice"),
            Sign(Order, "orderservice", "orderservice", "admin", "paymentservice"),
            Sign(Order, "orderservice", "orderservice", new[] { "service", "admin" }, "paymentservice"),
            Sign(Order, "orderservice", "productservice", "service", "paymentservice"),
            Sign(Order, "productservice", "productservice", "service", "paymentservice"),
        ];

        foreach (var forgery in forgeries)
        {
            Assert.False(await AcceptedAsync(forgery, at: "paymentservice"));
        }
    }

    [Fact]
    public async Task Only_ES256_signatures_by_a_trusted_key_count()
    {
        var secret = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(new string('k', 64)));
        string[] forgeries =
        [
            Sign(new SigningCredentials(secret, SecurityAlgorithms.HmacSha256), UserIssuer, "a", "admin", "cloudlab"),
            Sign(credentials: null, UserIssuer, "a", "admin", "cloudlab"),
            Sign(New(), UserIssuer, "a", "admin", "cloudlab"),
            Sign(New(), UserIssuer, "a", "admin", "cloudlab", keyId: SigningKeys.KeyId(User)),
            Sign(New(), "strangerservice", "strangerservice", "service", "paymentservice"),
        ];

        foreach (var forgery in forgeries)
        {
            Assert.False(await AcceptedAsync(forgery, at: "paymentservice"));
        }
    }

    [Fact]
    public async Task An_expired_token_is_refused()
    {
        var expired = Sign(User, UserIssuer, "a", "customer", "cloudlab", expires: DateTime.UtcNow.AddMinutes(-5));

        Assert.False(await AcceptedAsync(expired));
    }

    [Fact]
    public async Task While_a_key_rotates_tokens_of_the_old_and_the_new_key_are_both_accepted()
    {
        var next = New();
        var options = Options("productservice");
        options.UserTokenKeys = PublicPem(next) + PublicPem(User);

        Assert.True(await AcceptedAsync(Sign(User, UserIssuer, "a", "customer", "cloudlab"), options));
        Assert.True(await AcceptedAsync(Sign(next, UserIssuer, "a", "customer", "cloudlab"), options));
    }

    [Fact]
    public void Key_ids_are_thumbprints_the_signer_and_the_validators_compute_alike()
    {
        var fromPrivate = SigningKeys.Private(PrivatePem(User), "test");
        var fromPublic = Assert.Single(SigningKeys.Public(PublicPem(User), "test"));

        Assert.Equal(fromPublic.KeyId, fromPrivate.KeyId);
        Assert.NotEqual(SigningKeys.KeyId(Order), fromPrivate.KeyId);
        Assert.Equal(43, fromPrivate.KeyId.Length);
    }

    [Fact]
    public void A_private_key_where_public_keys_belong_and_keys_off_P256_are_refused()
    {
        using var p384 = System.Security.Cryptography.ECDsa.Create(
            System.Security.Cryptography.ECCurve.NamedCurves.nistP384);

        Assert.Throws<InvalidOperationException>(() => SigningKeys.Public(PrivatePem(User), "test"));
        Assert.Throws<InvalidOperationException>(() => SigningKeys.Public(PublicPem(p384), "test"));
        Assert.Throws<InvalidOperationException>(() => SigningKeys.Private(PrivatePem(p384), "test"));
        Assert.Throws<InvalidOperationException>(() => SigningKeys.Private(PublicPem(User), "test"));
        Assert.Throws<InvalidOperationException>(() => SigningKeys.Public(string.Empty, "test"));
    }

    [Fact]
    public void A_service_whose_own_key_the_others_do_not_trust_fails_at_start_up()
    {
        var validator = new AuthOptionsValidator();

        Assert.True(validator.Validate(null, Options("orderservice", serviceKey: Order)).Succeeded);
        Assert.True(validator.Validate(null, Options("orderservice", serviceKey: Product)).Failed);
        Assert.True(validator.Validate(null, Options(string.Empty)).Failed);
        var leaked = Options("orderservice");
        leaked.UserTokenKeys = PrivatePem(User);
        Assert.True(validator.Validate(null, leaked).Failed);
    }

    private static Task<bool> AcceptedAsync(string token, string at = "productservice") =>
        AcceptedAsync(token, Options(at));

    private static async Task<bool> AcceptedAsync(string token, AuthOptions options) =>
        (await new JsonWebTokenHandler().ValidateTokenAsync(token, new TrustedSigners(options).ValidationParameters))
            .IsValid;
}
