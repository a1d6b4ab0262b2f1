using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace CloudLab.ServiceDefaults.Auth;

/// <summary>
/// ES256 keys read from PEM. Each key's id is its RFC 7638 thumbprint, so a signer and its validators agree on the
/// <c>kid</c> without it being configured anywhere, and a rotated key gets a new id by itself.
/// </summary>
public static class SigningKeys
{
    public const string Algorithm = SecurityAlgorithms.EcdsaSha256;

    private const string P256 = "1.2.840.10045.3.1.7";

    /// <summary>A private key (PKCS#8 <c>PRIVATE KEY</c> or SEC1 <c>EC PRIVATE KEY</c>) on curve P-256.</summary>
    public static ECDsaSecurityKey Private(string pem, string setting)
    {
        var blocks = Blocks(pem, setting);
        if (blocks is not [var block] || !block.Label.EndsWith("PRIVATE KEY", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{setting} must hold one PEM private key (ECDSA P-256).");
        }

        return Key(block.Text, setting);
    }

    /// <summary>One or more public keys (<c>PUBLIC KEY</c> blocks); a private key here is refused.</summary>
    public static IReadOnlyList<ECDsaSecurityKey> Public(string pem, string setting)
    {
        var blocks = Blocks(pem, setting);
        if (blocks.Count == 0 || blocks.Any(block => block.Label != "PUBLIC KEY"))
        {
            throw new InvalidOperationException(
                $"{setting} must hold PEM public keys (-----BEGIN PUBLIC KEY-----) and nothing else.");
        }

        return blocks.Select(block => Key(block.Text, setting)).ToList();
    }

    /// <summary>The RFC 7638 JWK thumbprint of a P-256 public key, base64url.</summary>
    public static string KeyId(ECDsa key)
    {
        var point = key.ExportParameters(includePrivateParameters: false).Q;
        var jwk = $"{{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"{Base64Url.EncodeToString(point.X)}\","
            + $"\"y\":\"{Base64Url.EncodeToString(point.Y)}\"}}";
        return Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(jwk)));
    }

    private static ECDsaSecurityKey Key(string pem, string setting)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
        }
        catch (Exception exception) when (exception is CryptographicException or ArgumentException)
        {
            key.Dispose();
            throw new InvalidOperationException($"{setting} holds a PEM block that is not an ECDSA key.", exception);
        }

        if (key.ExportParameters(includePrivateParameters: false).Curve.Oid.Value != P256)
        {
            key.Dispose();
            throw new InvalidOperationException($"{setting} holds a key that is not on curve P-256 (ES256).");
        }

        return new ECDsaSecurityKey(key) { KeyId = KeyId(key) };
    }

    private static List<(string Label, string Text)> Blocks(string pem, string setting)
    {
        if (string.IsNullOrWhiteSpace(pem))
        {
            throw new InvalidOperationException($"{setting} is not set: the AppHost passes it.");
        }

        // A value made by joining PEM files may lack the line break between blocks, which PEM needs.
        var joined = pem.Replace("-----BEGIN ", "\n-----BEGIN ", StringComparison.Ordinal);
        var blocks = new List<(string, string)>();
        var rest = joined.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            blocks.Add((rest[fields.Label].ToString(), rest[fields.Location].ToString()));
            rest = rest[fields.Location.End..];
        }

        return blocks;
    }
}
