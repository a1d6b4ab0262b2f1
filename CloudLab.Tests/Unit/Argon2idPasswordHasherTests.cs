using System.Text;
using CloudLab.UserService.Domain;
using Geralt;
using Microsoft.AspNetCore.Identity;

namespace CloudLab.Tests.Unit;

/// <summary>
/// New passwords are hashed with Argon2id at the configured cost; hashes of the PBKDF2 hasher used before still log in,
/// and ask to be replaced.
/// </summary>
public sealed class Argon2idPasswordHasherTests
{
    private readonly Argon2idPasswordHasher _hasher = new();

    [Fact]
    public void A_new_hash_is_argon2id_at_19_MiB_and_two_passes_and_verifies_only_its_password()
    {
        var hash = _hasher.HashPassword(string.Empty, "correct hörse");

        Assert.StartsWith("$argon2id$v=19$m=19456,t=2,p=1$", hash);
        Assert.DoesNotContain('\0', hash);
        Assert.NotEqual(hash, _hasher.HashPassword(string.Empty, "correct hörse")); // salted
        Assert.Equal(
            PasswordVerificationResult.Success, _hasher.VerifyHashedPassword(string.Empty, hash, "correct hörse"));
        Assert.Equal(
            PasswordVerificationResult.Failed, _hasher.VerifyHashedPassword(string.Empty, hash, "correct horse"));
    }

    [Fact]
    public void A_hash_of_the_pbkdf2_hasher_verifies_and_asks_to_be_replaced()
    {
        var legacy = new PasswordHasher<object>().HashPassword(string.Empty, "old password");

        Assert.Equal(
            PasswordVerificationResult.SuccessRehashNeeded,
            _hasher.VerifyHashedPassword(string.Empty, legacy, "old password"));
        Assert.Equal(
            PasswordVerificationResult.Failed, _hasher.VerifyHashedPassword(string.Empty, legacy, "old passwort"));
    }

    [Fact]
    public void An_argon2id_hash_made_at_a_lower_cost_verifies_and_asks_to_be_replaced()
    {
        Span<char> buffer = stackalloc char[Argon2id.HashSize];
        Argon2id.ComputeHash(buffer, Encoding.UTF8.GetBytes("cheap"), Argon2id.MinIterations, Argon2id.MinMemorySize);
        var cheap = new string(buffer[..buffer.IndexOf('\0')]);

        Assert.Equal(
            PasswordVerificationResult.SuccessRehashNeeded, _hasher.VerifyHashedPassword(string.Empty, cheap, "cheap"));
        Assert.Equal(PasswordVerificationResult.Failed, _hasher.VerifyHashedPassword(string.Empty, cheap, "dear"));
    }

    [Theory]
    [InlineData("$argon2id$")]
    [InlineData("$argon2id$v=19$m=19456,t=2,p=1$not-a-salt$not-a-hash")]
    public void A_malformed_argon2id_string_fails_without_throwing(string stored) =>
        Assert.Equal(PasswordVerificationResult.Failed, _hasher.VerifyHashedPassword(string.Empty, stored, "x"));
}
