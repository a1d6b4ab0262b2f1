namespace CloudLab.AppHost.Security;

/// <summary>
/// The app's token keys. UserService alone holds the user-token key (it signs users' tokens); each service holds its
/// own service key (it signs that service's calls to others). Every service gets every public key and the rules that
/// go with them (ServiceDefaults' TrustedSigners): a service's key can only ever vouch for that service, so no service
/// but UserService can produce a customer's or an admin's token, and none can pass itself off as another service.
/// Validation needs no call to UserService: the keys come with the configuration, before a service starts.
/// </summary>
public sealed class TokenKeys
{
    private readonly IDistributedApplicationBuilder _builder;
    private readonly Dictionary<string, SigningKey> _services = new(StringComparer.Ordinal);

    private TokenKeys(IDistributedApplicationBuilder builder)
    {
        _builder = builder;
        UserTokens = SigningKey.Add(builder, "user-token", "UserService");
    }

    /// <summary>The user-token key: pass <see cref="SigningKey.PrivateKey"/> to UserService only.</summary>
    public SigningKey UserTokens { get; }

    public static TokenKeys Add(IDistributedApplicationBuilder builder) => new(builder);

    /// <summary>
    /// Gives <paramref name="service"/> its name, its own service key and every public key. The public keys are
    /// resolved when the service starts, so services added after this one are trusted too.
    /// </summary>
    public IResourceBuilder<ProjectResource> ApplyTo(IResourceBuilder<ProjectResource> service)
    {
        var name = service.Resource.Name;
        var own = SigningKey.Add(_builder, name, name);
        _services.Add(name, own);
        return service
            .WithEnvironment("Auth__ServiceName", name)
            .WithEnvironment("Auth__ServiceKey", own.PrivateKey)
            .WithEnvironment(context =>
            {
                context.EnvironmentVariables["Auth__UserTokenKeys"] = UserTokens.PublicKeys;
                foreach (var (other, key) in _services)
                {
                    context.EnvironmentVariables[$"Auth__ServiceKeys__{other}"] = key.PublicKeys;
                }
            });
    }
}
