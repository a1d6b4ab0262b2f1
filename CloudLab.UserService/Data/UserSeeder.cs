using CloudLab.UserService.Models;
using CloudLab.ServiceDefaults.Data;
using CloudLab.UserService.Domain;
using Microsoft.Extensions.Options;

namespace CloudLab.UserService.Data;

public sealed class UserSeedOptions
{
    /// <summary>The admin account, from the AppHost's admin-email and admin-password parameters.</summary>
    public string? AdminEmail { get; set; }

    public string? AdminPassword { get; set; }

    /// <summary>Customers loadtest-N@cloudlab.local for load tests (0 in normal runs).</summary>
    public int LoadTestUsers { get; set; }

    public string LoadTestPassword { get; set; } = "LoadTest#2026";
}

/// <summary>
/// Puts the admin account in place (and, when asked, load-test customers). An existing account with the admin e-mail is
/// reset to the configured password and the admin role: changing <c>admin-password</c> takes effect, and an account
/// someone registered under that address before the seeding never becomes an admin with a password they know.
/// </summary>
public sealed class UserSeeder(
    IOptions<UserSeedOptions> options, PasswordHashingPool hashing, ILogger<UserSeeder> logger) : IDatabaseSeeder
{
    public async Task SeedAsync(Database database, CancellationToken cancellationToken)
    {
        var seed = options.Value;
        if (!string.IsNullOrWhiteSpace(seed.AdminEmail) && !string.IsNullOrEmpty(seed.AdminPassword))
        {
            var created = await database.ExecuteAsync(
                Query.Write("users", "seed_admin"),
                """
                INSERT INTO users (id, email, normalized_email, password_hash, name, role)
                VALUES (@id, @email, @normalized, @hash, 'Administrator', @role)
                ON CONFLICT (normalized_email) DO UPDATE
                    SET role = EXCLUDED.role, password_hash = EXCLUDED.password_hash, updated_at = now(),
                        version = users.version + 1
                """,
                new
                {
                    id = Guid.CreateVersion7(),
                    email = seed.AdminEmail.Trim(),
                    normalized = UserStore.Normalize(seed.AdminEmail),
                    hash = await hashing.HashAsync(seed.AdminPassword),
                    role = UserRoles.Admin,
                },
                cancellationToken);
            logger.LogInformation(
                "Admin account {AdminEmail} is in place ({Rows} row written)", seed.AdminEmail, created);
        }

        if (seed.LoadTestUsers > 0)
        {
            // One hash for all load-test accounts: hashing thousands of passwords would take minutes at start-up.
            var hash = await hashing.HashAsync(seed.LoadTestPassword);
            var added = await database.ExecuteAsync(
                Query.Write("users", "seed_load_test"),
                """
                INSERT INTO users (id, email, normalized_email, password_hash, name, role)
                SELECT md5('cloudlab-user-' || i)::uuid, 'loadtest-' || i || '@cloudlab.local',
                       'loadtest-' || i || '@cloudlab.local', @hash, 'Load Test ' || i, @role
                FROM generate_series(1, @count) AS i
                ON CONFLICT (normalized_email) DO NOTHING
                """,
                new { hash, count = seed.LoadTestUsers, role = UserRoles.Customer }, cancellationToken);
            logger.LogInformation("Load-test accounts: {Added} added ({Count} wanted)", added, seed.LoadTestUsers);
        }
    }
}
