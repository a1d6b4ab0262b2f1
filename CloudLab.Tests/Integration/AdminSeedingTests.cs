using System.Text.Json;
using CloudLab.ServiceDefaults.Data;
using CloudLab.Tests.Infrastructure;
using CloudLab.UserService.Data;
using CloudLab.UserService.Domain;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CloudLab.Tests.Integration;

/// <summary>The admin seeder against the real user database: the configured password always wins.</summary>
[Collection(CloudLabCollection.Name)]
public sealed class AdminSeedingTests(CloudLabAppFixture app)
{
    [Fact]
    public async Task An_account_registered_under_the_admin_email_is_reset_to_the_configured_password()
    {
        var squatter = await app.RegisterCustomerAsync(); // password "Customer-Password-1", known to whoever registered
        const string configured = "Configured-Admin-Password-2";
        var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        await using var dataSource = NpgsqlDataSource.Create(await app.ConnectionStringAsync("userdb"));
        var database = new Database(
            dataSource,
            new DatabaseMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()),
            Options.Create(new DatabaseOptions()),
            NullLogger<Database>.Instance);
        using var hashing = new PasswordHashingPool(Options.Create(new PasswordHashingOptions()));
        var seeder = new UserSeeder(
            Options.Create(new UserSeedOptions { AdminEmail = squatter.Email, AdminPassword = configured }),
            hashing,
            NullLogger<UserSeeder>.Instance);

        await seeder.SeedAsync(database, CancellationToken.None);

        // The role is part of the profile, so the reset is a change of it: a newer version for the cache to order by.
        await using (var version = dataSource.CreateCommand("SELECT version FROM users WHERE id = $1"))
        {
            version.Parameters.AddWithValue(squatter.Id);
            Assert.Equal(2L, await version.ExecuteScalarAsync());
        }

        using var users = app.Client("userservice");
        using var withOldPassword = await users.PostAsJsonAsync(
            "/api/auth/login", new { email = squatter.Email, password = "Customer-Password-1" });
        Assert.Equal(HttpStatusCode.Unauthorized, withOldPassword.StatusCode);
        var token = await Api.LogInAsync(app, squatter.Email, configured);
        using var claims = JsonDocument.Parse(Api.Base64UrlDecode(token.Split('.')[1]));
        Assert.Equal("admin", claims.RootElement.GetProperty("role").GetString());
    }
}
