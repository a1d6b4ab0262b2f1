using System.Text.Json;
using CloudLab.Contracts;
using CloudLab.ServiceDefaults.Data;
using CloudLab.ServiceDefaults.Http;
using CloudLab.ServiceDefaults.Messaging;
using CloudLab.UserService.Models;

namespace CloudLab.UserService.Data;

/// <summary>The users' profiles, as the directory of users reads and changes them.</summary>
public interface IUserStore
{
    Task<UserProfile?> GetAsync(Guid id, CancellationToken cancellationToken);

    Task<PagedResult<UserProfile>> ListAsync(PageRequest page, CancellationToken cancellationToken);

    /// <summary>Adds the user and its UserRegistered event in one transaction; null when the e-mail is taken.</summary>
    Task<UserProfile?> InsertAsync(
        string email, string passwordHash, string name, string role, CancellationToken cancellationToken);

    /// <summary>The changed profile, its version raised; null when there is no such user.</summary>
    Task<UserProfile?> UpdateProfileAsync(
        Guid id, string name, IReadOnlyDictionary<string, string>? preferences, CancellationToken cancellationToken);
}

/// <summary>The users table. Look-ups by e-mail use the unique index on the lower-cased address.</summary>
public sealed class UserStore(Database database, OutboxWriter outbox) : IUserStore
{
    private const string Columns =
        "id, email, name, role, preferences::text AS preferences, created_at, updated_at, version";

    public async Task<UserProfile?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        (await database.QuerySingleOrDefaultAsync<UserRow>(
            Query.Read("users", "get_by_id"),
            $"SELECT {Columns} FROM users WHERE id = @id",
            new { id },
            cancellationToken))?.ToProfile();

    public Task<Credentials?> FindCredentialsAsync(string email, CancellationToken cancellationToken) =>
        database.QuerySingleOrDefaultAsync<Credentials>(
            Query.Read("users", "get_by_email"),
            "SELECT id, role, email, password_hash AS passwordhash FROM users WHERE normalized_email = @normalized",
            new { normalized = Normalize(email) }, cancellationToken);

    public async Task<PagedResult<UserProfile>> ListAsync(PageRequest page, CancellationToken cancellationToken)
    {
        var rows = await database.QueryAsync<UserRow>(
            Query.Read("users", "list_newest"),
            $"SELECT {Columns} FROM users ORDER BY created_at DESC, id DESC LIMIT @PageSize OFFSET @Offset",
            new { page.PageSize, page.Offset }, cancellationToken);
        var total = await database.ExecuteScalarAsync<long>(
            Query.Read("users", "count"), "SELECT count(*) FROM users", cancellationToken: cancellationToken);
        return PagedResult.Create(page, rows.Select(row => row.ToProfile()).ToList(), total);
    }

    public Task<UserProfile?> InsertAsync(
        string email, string passwordHash, string name, string role, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async session =>
        {
            var row = await session.QuerySingleOrDefaultAsync<UserRow>(
                Query.Write("users", "insert"),
                $"""
                INSERT INTO users (id, email, normalized_email, password_hash, name, role)
                VALUES (@id, @email, @normalized, @passwordHash, @name, @role)
                ON CONFLICT (normalized_email) DO NOTHING
                RETURNING {Columns}
                """,
                new
                {
                    id = Guid.CreateVersion7(),
                    email = email.Trim(),
                    normalized = Normalize(email),
                    passwordHash,
                    name = name.Trim(),
                    role,
                },
                cancellationToken);
            if (row is not null)
            {
                await outbox.AddAsync(
                    session,
                    EventTypes.UserRegistered,
                    new UserRegistered(row.Id, row.CreatedAt),
                    EventJsonContext.Default.UserRegistered,
                    cancellationToken);
            }

            return row?.ToProfile();
        }, cancellationToken: cancellationToken);

    public async Task<UserProfile?> UpdateProfileAsync(
        Guid id, string name, IReadOnlyDictionary<string, string>? preferences, CancellationToken cancellationToken) =>
        (await database.QuerySingleOrDefaultAsync<UserRow>(
            Query.Write("users", "update_profile"),
            $"""
            UPDATE users SET name = @name, preferences = COALESCE(@preferences::jsonb, preferences),
                updated_at = now(), version = version + 1
            WHERE id = @id RETURNING {Columns}
            """,
            new
            {
                id,
                name = name.Trim(),
                preferences = preferences is null
                    ? null
                    : JsonSerializer.Serialize(preferences, UserJsonContext.Default.IReadOnlyDictionaryStringString),
            },
            cancellationToken))?.ToProfile();

    public Task UpdatePasswordHashAsync(Guid id, string passwordHash, CancellationToken cancellationToken) =>
        database.ExecuteAsync(
            Query.Write("users", "rehash_password"),
            "UPDATE users SET password_hash = @passwordHash WHERE id = @id",
            new { id, passwordHash },
            cancellationToken);

    internal static string Normalize(string email) => email.Trim().ToLowerInvariant();

    private sealed class UserRow
    {
        public Guid Id { get; init; }
        public string Email { get; init; } = string.Empty;
        public string Name { get; init; } = string.Empty;
        public string Role { get; init; } = string.Empty;
        public string Preferences { get; init; } = "{}";
        public DateTime CreatedAt { get; init; }
        public DateTime UpdatedAt { get; init; }
        public long Version { get; init; }

        public UserProfile ToProfile() => new(
            Id, Email, Name, Role,
            JsonSerializer.Deserialize(Preferences, UserJsonContext.Default.IReadOnlyDictionaryStringString)
                ?? new Dictionary<string, string>(),
            CreatedAt, UpdatedAt) { Version = Version };
    }
}

public sealed record Credentials(Guid Id, string Role, string Email, string PasswordHash);
