using System.Security.Cryptography;
using Aspire.Hosting.Publishing;

namespace CloudLab.AppHost.Security;

/// <summary>
/// An ES256 key pair as app-model values: the private key, a secret parameter handed to its owner alone, and the public
/// key(s) handed to every service that validates its tokens.
/// </summary>
/// <remarks>
/// Run (<c>dotnet run</c>, the tests): the private key comes from <c>Parameters:{name}-signing-key</c> if configured,
/// else it is generated at first start and kept in the AppHost's user secrets, so a fresh clone needs no setup and
/// tokens survive a restart; the public key is derived from it. Publish: both are parameters the deployment provides
/// (PEM), and the public one may list several keys while a key is being rotated.
/// </remarks>
public sealed class SigningKey
{
    private SigningKey(IResourceBuilder<ParameterResource> privateKey, object publicKeys)
    {
        PrivateKey = privateKey;
        PublicKeys = publicKeys;
    }

    public IResourceBuilder<ParameterResource> PrivateKey { get; }

    /// <summary>A <see cref="ParameterResource"/> (publish) or a <see cref="PublicKeyOf"/> (run).</summary>
    public object PublicKeys { get; }

    public static SigningKey Add(IDistributedApplicationBuilder builder, string name, string owner)
    {
        if (builder.ExecutionContext.IsPublishMode)
        {
            var publicKeys = builder.AddParameter($"{name}-public-keys")
                .WithDescription($"PEM public key(s) of {name}-signing-key: current and, while rotating, previous.");
            return new SigningKey(PrivateParameter(builder.AddParameter($"{name}-signing-key", secret: true), owner),
                publicKeys.Resource);
        }

        var privateKey = PrivateParameter(
            builder.AddParameter($"{name}-signing-key", new GeneratedSigningKey(), secret: true, persist: true),
            owner);
        return new SigningKey(privateKey, new PublicKeyOf(privateKey.Resource));
    }

    private static IResourceBuilder<ParameterResource> PrivateParameter(
        IResourceBuilder<ParameterResource> parameter, string owner) =>
        parameter.WithDescription(
            $"PEM private key (ECDSA P-256, e.g. `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256`) "
                + $"that {owner} alone signs with.",
            enableMarkdown: true);
}

/// <summary>A new P-256 private key (PKCS#8 PEM): the run-mode default of a signing-key parameter.</summary>
public sealed class GeneratedSigningKey : ParameterDefault
{
    public override string GetDefaultValue()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return key.ExportPkcs8PrivateKeyPem();
    }

    // Only run mode uses this default: a manifest never carries a generated private key, the deployment provides it.
    public override void WriteToManifest(ManifestPublishingContext context) =>
        throw new InvalidOperationException("A signing key is never generated into a manifest.");
}

/// <summary>The public key (SubjectPublicKeyInfo PEM) of a private-key parameter, derived in run mode.</summary>
public sealed class PublicKeyOf(ParameterResource privateKey) : IValueProvider, IManifestExpressionProvider
{
    // A manifest references the deployment's public-key parameter instead; this must never stand in for it there.
    public string ValueExpression =>
        throw new InvalidOperationException("A derived public key exists in run mode only.");

    public async ValueTask<string?> GetValueAsync(CancellationToken cancellationToken = default)
    {
        var pem = await privateKey.GetValueAsync(cancellationToken)
            ?? throw new InvalidOperationException($"{privateKey.Name} has no value.");
        using var key = ECDsa.Create();
        key.ImportFromPem(pem);
        return key.ExportSubjectPublicKeyInfoPem();
    }
}
