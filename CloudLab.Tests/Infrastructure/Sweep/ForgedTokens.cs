using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace CloudLab.Tests.Infrastructure.Sweep;

/// <summary>
/// Authorization headers no service may trust: unsigned, signed with another key, expired, or not a token at all. The
/// forged ones claim an admin (the real admin's id), so a service that trusted them would answer as to the admin.
/// </summary>
public static class ForgedTokens
{
    public static IReadOnlyList<(string Name, string Header)> For(Guid adminId)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var admin = Claims(adminId, now - 60, now + 3_600);
        return
        [
            ("alg none", "Bearer " + Jwt("""{"alg":"none","typ":"JWT"}""", admin, signature: string.Empty)),
            ("alg None, signature kept", "Bearer " + Jwt("""{"alg":"None","typ":"JWT"}""", admin, "c2ln")),
            ("wrong key", "Bearer " + Signed(admin, RandomNumberGenerator.GetBytes(32))),
            ("expired, wrong key", "Bearer " + Signed(Claims(adminId, now - 7_200, now - 3_600), new byte[32])),
            ("RS256 header, HMAC signature", "Bearer " + Jwt("""{"alg":"RS256","typ":"JWT"}""", admin, "AAAA")),
            ("kid path traversal", "Bearer " + Jwt(
                """{"alg":"HS256","kid":"../../../../dev/null","typ":"JWT"}""", admin, "AAAA")),
            ("header not JSON", "Bearer " + Base64Url("{not json") + "." + Base64Url(admin) + ".AAAA"),
            ("not base64", "Bearer !!!.@@@.###"),
            ("garbage", "Bearer not-a-token"),
            ("empty bearer", "Bearer "),
            ("other scheme", "Basic YWRtaW46YWRtaW4="),
            ("10k token", "Bearer " + new string('a', 10_000)),
        ];
    }

    private static string Claims(Guid subject, long issuedAt, long expires) => new JsonObject
    {
        ["sub"] = subject.ToString(),
        ["role"] = "admin",
        ["iss"] = "cloudlab-users",
        ["aud"] = "cloudlab",
        ["iat"] = issuedAt,
        ["nbf"] = issuedAt,
        ["exp"] = expires,
    }.ToJsonString();

    private static string Signed(string claims, byte[] key)
    {
        var unsigned = Base64Url("""{"alg":"HS256","typ":"JWT"}""") + "." + Base64Url(claims);
        return unsigned + "." + Base64Url(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(unsigned)));
    }

    private static string Jwt(string header, string claims, string signature) =>
        Base64Url(header) + "." + Base64Url(claims) + "." + signature;

    private static string Base64Url(string text) => Base64Url(Encoding.UTF8.GetBytes(text));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
