using System.Text;
using Geralt;
using Microsoft.AspNetCore.Identity;

namespace CloudLab.UserService.Domain;

/// <summary>
/// Passwords hashed with Argon2id (libsodium, through Geralt) at OWASP's minimum configuration: 19 MiB of memory, two
/// passes, one lane, in libsodium's self-describing string (<c>$argon2id$v=19$m=19456,t=2,p=1$salt$hash</c>).
/// Hashes of ASP.NET Core Identity's PBKDF2 hasher (HMAC-SHA512, 100,000 iterations: half of what OWASP asks of it) are
/// still verified, and a log-in with one answers <see cref="PasswordVerificationResult.SuccessRehashNeeded"/>, so the
/// account moves to Argon2id on its next log-in.
/// </summary>
/// <remarks>
/// Stronger and cheaper on the CPU: on this project's 2-core test machine one verification took 74.6 ms with the PBKDF2
/// hasher and 31.8 ms with Argon2id (ten each, one thread, idle machine). Log-ins are 1 % of the mixed workload, and
/// at ten a second their hashing took more than half of the machine (UserService 1.14-1.22 ms of CPU per request of the
/// mix, against 0.24-0.30 for ProductService and OrderService).
/// </remarks>
public sealed class Argon2idPasswordHasher : IPasswordHasher<object>
{
    public const int Iterations = 2;
    public const int MemorySize = 19 * 1024 * 1024;
    private const string Prefix = "$argon2id$";

    private readonly PasswordHasher<object> _legacy = new();

    public string HashPassword(object user, string password)
    {
        Span<char> hash = stackalloc char[Argon2id.HashSize];
        Argon2id.ComputeHash(hash, Encoding.UTF8.GetBytes(password), Iterations, MemorySize);
        // libsodium writes a NUL-terminated string into the fixed-size buffer.
        return new string(hash[..hash.IndexOf('\0')]);
    }

    public PasswordVerificationResult VerifyHashedPassword(object user, string hashedPassword, string providedPassword)
    {
        if (!hashedPassword.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return _legacy.VerifyHashedPassword(user, hashedPassword, providedPassword) switch
            {
                PasswordVerificationResult.Failed => PasswordVerificationResult.Failed,
                _ => PasswordVerificationResult.SuccessRehashNeeded,
            };
        }

        try
        {
            if (!Argon2id.VerifyHash(hashedPassword, Encoding.UTF8.GetBytes(providedPassword)))
            {
                return PasswordVerificationResult.Failed;
            }
        }
        catch (ArgumentOutOfRangeException)
        {
            return PasswordVerificationResult.Failed; // a stored string too short or too long to be a hash
        }

        return Argon2id.NeedsRehash(hashedPassword, Iterations, MemorySize)
            ? PasswordVerificationResult.SuccessRehashNeeded
            : PasswordVerificationResult.Success;
    }
}
