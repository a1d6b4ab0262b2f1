using CloudLab.ServiceDefaults.Data;
using CloudLab.Tests.Infrastructure;
using Npgsql;

namespace CloudLab.Tests.Integration;

[Collection(CloudLabCollection.Name)]
public sealed class CachedPlanArrayTests(CloudLabAppFixture app)
{
    /// <summary>
    /// What the batches' writes rely on, on the app's own PostgreSQL: an update by an array of ids keeps a custom plan
    /// (planned at every call) while the array is a bare parameter, and is served by the cached generic plan once the
    /// array goes through <see cref="CachedPlanArray"/>.
    /// </summary>
    [Fact]
    public async Task An_update_by_an_array_of_ids_is_served_by_a_cached_plan_only_through_a_cached_plan_array()
    {
        // Its own session, closed at the end: the temporary table and the prepared statements go with it.
        var unpooled = new NpgsqlConnectionStringBuilder(await app.ConnectionStringAsync("productdb"))
        {
            Pooling = false,
        };
        await using var connection = new NpgsqlConnection(unpooled.ConnectionString);
        await connection.OpenAsync();
        await connection.ExecuteAsync("CREATE TEMP TABLE batch_rows (id uuid PRIMARY KEY, n integer NOT NULL)");
        await connection.ExecuteAsync(
            "INSERT INTO batch_rows SELECT gen_random_uuid(), 0 FROM generate_series(1, 10000)");
        await connection.ExecuteAsync("ANALYZE batch_rows");
        var id = (Guid)(await new NpgsqlCommand("SELECT id FROM batch_rows LIMIT 1", connection).ExecuteScalarAsync())!;

        var bare = await PlansAsync(connection, "bare_array", "$1", id);
        var cached = await PlansAsync(connection, "cached_plan_array", CachedPlanArray.Of("$1", "uuid[]"), id);

        Assert.Equal((Generic: 0L, Custom: 10L), bare);
        Assert.True(cached.Generic >= 5, $"generic plans: {cached.Generic}, custom plans: {cached.Custom}");
    }

    /// <summary>Runs the update ten times with a batch of one and returns how PostgreSQL planned the calls.</summary>
    private static async Task<(long Generic, long Custom)> PlansAsync(
        NpgsqlConnection connection, string name, string array, Guid id)
    {
        await connection.ExecuteAsync(
            $"PREPARE {name}(uuid[]) AS UPDATE batch_rows SET n = n + 1 WHERE id = ANY({array})");
        for (var call = 0; call < 10; call++)
        {
            await connection.ExecuteAsync($"EXECUTE {name}('{{{id}}}')");
        }

        await using var plans = new NpgsqlCommand(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = @name", connection);
        plans.Parameters.AddWithValue("name", name);
        await using var reader = await plans.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetInt64(0), reader.GetInt64(1));
    }
}
