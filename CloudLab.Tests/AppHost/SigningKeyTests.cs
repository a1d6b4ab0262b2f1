using Aspire.Hosting.ApplicationModel;
using CloudLab.AppHost.Security;
using CloudLab.ServiceDefaults.Auth;

namespace CloudLab.Tests.AppHost;

/// <summary>The AppHost's run-mode key material: what a fresh clone gets without any setup.</summary>
public sealed class SigningKeyTests
{
    [Fact]
    public async Task A_generated_key_is_a_fresh_P256_key_whose_derived_public_key_the_services_trust()
    {
        var pem = new GeneratedSigningKey().GetDefaultValue();
        var privateKey = new ParameterResource("test-signing-key", _ => pem, secret: true);

        var publicPem = await new PublicKeyOf(privateKey).GetValueAsync();

        var signer = SigningKeys.Private(pem, "generated");
        Assert.Equal(signer.KeyId, Assert.Single(SigningKeys.Public(publicPem!, "derived")).KeyId);
        Assert.DoesNotContain("PRIVATE", publicPem, StringComparison.Ordinal);
        Assert.NotEqual(pem, new GeneratedSigningKey().GetDefaultValue());
    }
}
