using System.Security.Cryptography;
using CloudLab.ServiceDefaults.Auth;

namespace CloudLab.Tests.Unit.Auth;

/// <summary>Keys for the auth unit tests: a user-token key and three services' keys.</summary>
internal static class TestKeys
{
    public static readonly ECDsa User = New();
    public static readonly ECDsa Product = New();
    public static readonly ECDsa Order = New();
    public static readonly ECDsa Payment = New();

    public static ECDsa New() => ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public static string PublicPem(ECDsa key) => key.ExportSubjectPublicKeyInfoPem();

    public static string PrivatePem(ECDsa key) => key.ExportPkcs8PrivateKeyPem();

    /// <summary>The options a service named <paramref name="self"/> runs with.</summary>
    public static AuthOptions Options(string self, ECDsa? serviceKey = null) => new()
    {
        ServiceName = self,
        ServiceKey = serviceKey is null ? string.Empty : PrivatePem(serviceKey),
        UserTokenKeys = PublicPem(User),
        ServiceKeys =
        {
            ["productservice"] = PublicPem(Product),
            ["orderservice"] = PublicPem(Order),
            ["paymentservice"] = PublicPem(Payment),
        },
    };
}
