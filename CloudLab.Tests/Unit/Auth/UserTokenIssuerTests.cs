using CloudLab.ServiceDefaults.Auth;
using CloudLab.UserService.Domain;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using CloudLab.Tests.Infrastructure;
using static CloudLab.Tests.Infrastructure.Tokens;
using static CloudLab.Tests.Unit.Auth.TestKeys;

namespace CloudLab.Tests.Unit.Auth;

public sealed class UserTokenIssuerTests
{
    [Fact]
    public async Task UserService_issues_tokens_every_service_accepts_for_the_user_and_role()
    {
        var issuer = new UserTokenIssuer(
            Microsoft.Extensions.Options.Options.Create(new UserTokenOptions { SigningKey = PrivatePem(User) }),
            Microsoft.Extensions.Options.Options.Create(Options("userservice")),
            TimeProvider.System);
        var userId = Guid.NewGuid();

        var result = await new JsonWebTokenHandler().ValidateTokenAsync(
            issuer.Issue(userId, "admin", "ada@example.test"),
            new TrustedSigners(Options("analyticsservice")).ValidationParameters);

        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Equal(userId.ToString(), result.ClaimsIdentity.Name);
        Assert.Equal("admin", result.ClaimsIdentity.FindFirst("role")?.Value);
    }

    [Fact]
    public void UserService_refuses_to_start_with_a_key_the_services_do_not_trust_for_users()
    {
        var validator = new UserTokenOptionsValidator(
            Microsoft.Extensions.Options.Options.Create(Options("userservice")));

        Assert.True(validator.Validate(null, new UserTokenOptions { SigningKey = PrivatePem(User) }).Succeeded);
        Assert.True(validator.Validate(null, new UserTokenOptions { SigningKey = PrivatePem(Product) }).Failed);
        Assert.True(validator.Validate(null, new UserTokenOptions()).Failed);
    }
}
