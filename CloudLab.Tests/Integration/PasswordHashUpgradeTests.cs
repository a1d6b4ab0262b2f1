using CloudLab.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Npgsql;

namespace CloudLab.Tests.Integration;

/// <summary>
/// Accounts whose password was hashed with the PBKDF2 hasher used before Argon2id still log in, and move to Argon2id
/// on that log-in.
/// </summary>
[Collection(CloudLabCollection.Name)]
public sealed class PasswordHashUpgradeTests(CloudLabAppFixture app)
{
    [Fact]
    public async Task A_log_in_with_a_pbkdf2_hash_succeeds_and_stores_an_argon2id_hash_of_the_same_password()
    {
        var customer = await app.RegisterCustomerAsync();
        Assert.StartsWith("$argon2id$", await StoredHashAsync(customer.Id));
        const string password = "Customer-Password-1";
        await SetStoredHashAsync(customer.Id, new PasswordHasher<object>().HashPassword(string.Empty, password));

        await Api.LogInAsync(app, customer.Email, password);

        Assert.StartsWith("$argon2id$v=19$m=19456,t=2,p=1$", await StoredHashAsync(customer.Id));
        await Api.LogInAsync(app, customer.Email, password); // the new hash is of the same password
    }

    private async Task<string> StoredHashAsync(Guid userId)
    {
        await using var users = await app.OpenDatabaseAsync("userdb");
        await using var query = new NpgsqlCommand("SELECT password_hash FROM users WHERE id = @id", users);
        query.Parameters.AddWithValue("id", userId);
        return (string)(await query.ExecuteScalarAsync())!;
    }

    private async Task SetStoredHashAsync(Guid userId, string hash)
    {
        await using var users = await app.OpenDatabaseAsync("userdb");
        await using var update = new NpgsqlCommand("UPDATE users SET password_hash = @hash WHERE id = @id", users);
        update.Parameters.AddWithValue("id", userId);
        update.Parameters.AddWithValue("hash", hash);
        Assert.Equal(1, await update.ExecuteNonQueryAsync());
    }
}
