using CloudLab.Tests.Infrastructure;
using Npgsql;

namespace CloudLab.Tests.Integration;

/// <summary>
/// A release and a reservation of the same order that overlap in PostgreSQL: what OrderService's compensation does
/// when its reservation call timed out (a frozen database) while ProductService was still about to commit it.
/// </summary>
[Collection(CloudLabCollection.Name)]
public sealed class ReservationRaceTests(CloudLabAppFixture app)
{
    [Fact]
    public async Task A_release_that_waits_on_its_reservation_committing_gives_the_stock_back()
    {
        var admin = await app.AdminAsync();
        var product = await app.CreateProductAsync(price: 3m, stock: 10);
        var orderId = Guid.NewGuid();
        using var products = app.Client("productservice");

        // Holding the product's row lock here lets the reservation claim its order id and then wait, uncommitted.
        await using var holder = await app.OpenDatabaseAsync("productdb");
        var held = await holder.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand("SELECT 1 FROM products WHERE id = @id FOR UPDATE", holder, held))
        {
            lockRow.Parameters.AddWithValue("id", product);
            await lockRow.ExecuteNonQueryAsync();
        }

        var reserve = products.SendAsync(admin.Request(
            HttpMethod.Post,
            "/api/products/reservations",
            new { orderId, items = new[] { new { productId = product, quantity = 3 } } }));
        await LockWaitersAsync(1);
        // The release's insert now waits on the reservation's uncommitted row for the same order id.
        var release = products.SendAsync(admin.Request(HttpMethod.Delete, $"/api/products/reservations/{orderId}"));
        await LockWaitersAsync(2);
        await held.RollbackAsync();

        using (var reserved = await reserve)
        {
            Assert.Equal(HttpStatusCode.OK, reserved.StatusCode);
        }

        using (var released = await release)
        {
            Assert.Equal(HttpStatusCode.NoContent, released.StatusCode);
        }

        await using var check = await app.OpenDatabaseAsync("productdb");
        await using var stock = new NpgsqlCommand("SELECT stock FROM products WHERE id = @id", check);
        stock.Parameters.AddWithValue("id", product);
        Assert.Equal(10, (int)(await stock.ExecuteScalarAsync())!);
    }

    /// <summary>Waits until <paramref name="count"/> or more backends of the product database wait on a lock.</summary>
    private async Task LockWaitersAsync(int count)
    {
        await using var connection = await app.OpenDatabaseAsync("productdb");
        var waiting = await Eventually.GetAsync<object>(async () =>
        {
            await using var query = new NpgsqlCommand(
                """
                SELECT count(*) FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock'
                """,
                connection);
            return (long)(await query.ExecuteScalarAsync())! >= count ? true : null;
        });
        Assert.True(waiting is not null, $"{count} backend(s) never waited on a lock.");
    }
}
