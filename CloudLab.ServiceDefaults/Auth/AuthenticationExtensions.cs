using CloudLab.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

public static class AuthenticationExtensions
{
    /// <summary>
    /// JWT bearer validation under <see cref="TrustedSigners"/>' rules (ES256 only; each key vouches only for what it
    /// owns), with validated tokens remembered until they expire, and the role policies every service uses.
    /// </summary>
    public static IHostApplicationBuilder AddJwtAuthentication(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthOptions>().BindConfiguration("Auth").ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(services =>
            new TrustedSigners(services.GetRequiredService<IOptions<AuthOptions>>().Value));
        builder.Services.AddSingleton(services => new ValidatedTokenCache(
            services.GetRequiredService<IOptions<AuthOptions>>().Value.ValidatedTokenCacheSize,
            services.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<ServiceTokens>();

        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<TrustedSigners, ValidatedTokenCache>((jwt, signers, cache) =>
            {
                jwt.MapInboundClaims = false;
                // Nothing reads the token back from the authentication properties; storing it cost a dictionary
                // per authenticated request.
                jwt.SaveToken = false;
                jwt.TokenValidationParameters = signers.ValidationParameters;
                jwt.TokenHandlers.Clear();
                jwt.TokenHandlers.Add(cache);
            });

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Admin, policy => policy.RequireRole(Roles.Admin));
        return builder;
    }

    /// <summary>Only an admin, or one of the named services calling on its own behalf.</summary>
    public static TBuilder RequireAdminOrService<TBuilder>(this TBuilder endpoints, params string[] services)
        where TBuilder : IEndpointConventionBuilder =>
        endpoints.RequireAuthorization(policy =>
            policy.RequireAuthenticatedUser().AddRequirements(new CallerRequirement(services)));

    /// <summary>
    /// Calls through this client carry this service's own token for <paramref name="audience"/>, the service called
    /// (the name it knows this service by: its <c>Auth:ServiceName</c>).
    /// </summary>
    public static IHttpClientBuilder WithServiceToken(this IHttpClientBuilder client, string audience) =>
        client.AddHttpMessageHandler(services =>
            new ServiceTokenHandler(services.GetRequiredService<ServiceTokens>(), audience));
}
