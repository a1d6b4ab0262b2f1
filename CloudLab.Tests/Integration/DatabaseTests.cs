using System.Diagnostics;
using System.Text.Json.Nodes;
using CloudLab.ProductService.Data;
using CloudLab.ProductService.Models;
using CloudLab.ServiceDefaults.Data;
using CloudLab.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Xunit.Abstractions;

namespace CloudLab.Tests.Integration;

[Collection(CloudLabCollection.Name)]
public sealed class DatabaseTests(CloudLabAppFixture app, ITestOutputHelper output)
{
    /// <summary>The catalogue's list queries, with the very WHERE clauses the API builds.</summary>
    [Fact]
    public async Task Every_catalogue_query_uses_an_index()
    {
        await using var connection = await app.OpenDatabaseAsync("productdb");
        var categoryId = await new NpgsqlCommand("SELECT id FROM categories LIMIT 1", connection).ExecuteScalarAsync();
        var filters = new[]
        {
            new ProductFilter(null, null, null, null),
            new ProductFilter((Guid)categoryId!, null, null, null),
            new ProductFilter((Guid)categoryId!, ProductStatus.Active, null, null),
            new ProductFilter(null, ProductStatus.Active, true, null),
            new ProductFilter(null, null, null, "smart"),
        };
        foreach (var filter in filters)
        {
            var (where, parameters) = ProductStore.BuildWhere(filter);
            var values = parameters.ParameterNames
                .ToDictionary(name => name, name => (object?)parameters.Get<object>(name));
            await AssertIndexedAsync(
                connection,
                $"SELECT {ProductStore.Columns} FROM products{where} ORDER BY name, id LIMIT 20 OFFSET 40",
                values);
            // Counting a filter that matches most of the catalogue (e.g. "active and in stock", ~97% of rows) reads
            // every row whichever way: PostgreSQL rightly prefers a sequential scan there. Selective counts must not.
            if (filter.CategoryId is not null || filter.NamePrefix is not null)
            {
                await AssertIndexedAsync(connection, $"SELECT count(*) FROM products{where}", values);
            }
        }

        await AssertIndexedAsync(
            connection,
            $"SELECT {ProductStore.Columns} FROM products WHERE id = @id",
            new() { ["id"] = Guid.NewGuid() });
    }

    /// <summary>
    /// Orders, users and payments at production-like volume (inserted in a transaction that is rolled back).
    /// </summary>
    [Fact]
    public async Task Hot_queries_on_large_tables_use_indexes()
    {
        await using (var orders = await app.OpenDatabaseAsync("orderdb"))
        await using (var transaction = await orders.BeginTransactionAsync())
        {
            await orders.ExecuteAsync("""
                INSERT INTO orders (id, user_id, status, total, currency, created_at, updated_at)
                SELECT md5('o' || i)::uuid, md5('u' || (i % 20000))::uuid,
                       (ARRAY['paid','paid','paid','shipped','shipped','shipped','shipped','shipped',
                              'cancelled','pending'])[i % 10 + 1],
                       10, 'USD', now() - (i || ' minutes')::interval, now()
                FROM generate_series(1, 200000) AS i;
                ANALYZE orders;
                -- The recovery job's query is checked on a large table too: left to whatever the other tests wrote,
                -- the planner's choice followed the table's statistics of the moment (a run saw a sequential scan).
                INSERT INTO order_requests (user_id, idempotency_key, request_hash, order_id, state, created_at)
                SELECT md5('u' || (i % 20000))::uuid, 'key-' || i, 'hash', md5('r' || i)::uuid,
                       CASE WHEN i % 1000 = 0 THEN 'started' ELSE 'completed' END, now() - (i || ' seconds')::interval
                FROM generate_series(1, 200000) AS i;
                ANALYZE order_requests
                """);
            var userId = Guid.Parse("0a5b2c3e-0000-0000-0000-000000000000");
            await AssertIndexedAsync(
                orders,
                """
                SELECT * FROM orders o WHERE o.user_id = @userId
                ORDER BY o.created_at DESC, o.id DESC LIMIT 20 OFFSET 0
                """,
                new() { ["userId"] = userId });
            await AssertIndexedAsync(
                orders, "SELECT count(*) FROM orders WHERE user_id = @userId", new() { ["userId"] = userId });
            await AssertIndexedAsync(
                orders, "SELECT * FROM orders o WHERE o.id = @id", new() { ["id"] = Guid.NewGuid() });
            await AssertIndexedAsync(
                orders, "SELECT * FROM orders WHERE status = 'paid' ORDER BY created_at DESC LIMIT 50", []);
            await AssertIndexedAsync(
                orders,
                """
                SELECT * FROM orders WHERE status IN ('pending', 'paid') AND created_at < now() - interval '1 day'
                ORDER BY created_at LIMIT 100
                """,
                []);
            await AssertIndexedAsync(
                orders,
                """
                SELECT order_id FROM order_requests WHERE state = 'started' AND created_at < now() - interval '1 minute'
                ORDER BY created_at LIMIT 100
                """,
                []);
            await transaction.RollbackAsync();
        }

        await using (var users = await app.OpenDatabaseAsync("userdb"))
        await using (var transaction = await users.BeginTransactionAsync())
        {
            await users.ExecuteAsync("""
                INSERT INTO users (id, email, normalized_email, password_hash, name, role, created_at)
                SELECT md5('user' || i)::uuid, 'bulk' || i || '@example.test', 'bulk' || i || '@example.test', 'x',
                       'Bulk', 'customer', now() - (i || ' seconds')::interval
                FROM generate_series(1, 100000) AS i;
                ANALYZE users
                """);
            await AssertIndexedAsync(
                users,
                "SELECT id, role, email, password_hash FROM users WHERE normalized_email = @email",
                new() { ["email"] = "bulk77@example.test" });
            await AssertIndexedAsync(
                users, "SELECT * FROM users ORDER BY created_at DESC, id DESC LIMIT 20 OFFSET 20", []);
            await transaction.RollbackAsync();
        }

        await using (var payments = await app.OpenDatabaseAsync("paymentdb"))
        await using (var transaction = await payments.BeginTransactionAsync())
        {
            await payments.ExecuteAsync("""
                INSERT INTO payments (id, idempotency_key, order_id, user_id, amount, currency, status, created_at)
                SELECT md5('p' || i)::uuid, 'key-' || i, md5('o' || i)::uuid, md5('u' || (i % 20000))::uuid, 10, 'USD',
                       CASE WHEN i % 1000 = 0 THEN 'pending' ELSE 'captured' END, now() - (i || ' seconds')::interval
                FROM generate_series(1, 100000) AS i;
                ANALYZE payments
                """);
            await AssertIndexedAsync(
                payments,
                "SELECT * FROM payments WHERE order_id = @orderId ORDER BY created_at DESC LIMIT 20",
                new() { ["orderId"] = Guid.NewGuid() });
            await AssertIndexedAsync(
                payments, "SELECT * FROM payments WHERE idempotency_key = @key", new() { ["key"] = "key-5" });
            await AssertIndexedAsync(
                payments,
                """
                SELECT id FROM payments WHERE status = 'pending' AND created_at < now() - interval '1 minute'
                ORDER BY created_at LIMIT 100
                """,
                []);
            await transaction.RollbackAsync();
        }

        await using (var analytics = await app.OpenDatabaseAsync("analyticsdb"))
        await using (var transaction = await analytics.BeginTransactionAsync())
        {
            await analytics.ExecuteAsync("""
                INSERT INTO product_sales_hourly (bucket, product_id, orders, units, revenue)
                SELECT date_trunc('hour', now()) - (h || ' hours')::interval, md5('product' || p)::uuid, 1, 1, 10
                FROM generate_series(1, 2000) AS h, generate_series(1, 100) AS p;
                ANALYZE product_sales_hourly
                """);
            await AssertIndexedAsync(
                analytics,
                """
                SELECT product_id, sum(units) FROM product_sales_hourly
                WHERE bucket >= now() - interval '7 days' AND bucket < now()
                GROUP BY product_id ORDER BY 2 DESC LIMIT 10
                """,
                []);
            await transaction.RollbackAsync();
        }
    }

    /// <summary>
    /// A service's data source waits <c>Database:ConnectionWait</c> for a connection, then fails with a transient
    /// error (answered 503) rather than hanging.
    /// </summary>
    [Fact]
    public async Task A_query_that_gets_no_connection_fails_as_unavailable_after_the_connection_wait()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:productdb"] = await app.ConnectionStringAsync("productdb"),
            ["Database:MaxPoolSize"] = "1",
            ["Database:MinPoolSize"] = "0",
            ["Database:ConnectionWait"] = "00:00:01",
        });
        builder.AddServiceDatabase("productdb", typeof(ProductStore).Assembly);
        using var host = builder.Build();
        var dataSource = host.Services.GetRequiredService<NpgsqlDataSource>();
        await using var held = await dataSource.OpenConnectionAsync();

        var refused = await Assert.ThrowsAnyAsync<NpgsqlException>(async () =>
        {
            await using var second = await dataSource.OpenConnectionAsync();
        });

        Assert.Equal(1, new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).Timeout);
        Assert.True(refused.IsTransient, refused.Message); // GlobalExceptionHandler answers it 503
    }

    [Fact]
    public async Task A_query_over_its_budget_is_cancelled_on_the_server()
    {
        var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        await using var dataSource = NpgsqlDataSource.Create(await app.ConnectionStringAsync("productdb"));
        var database = new Database(
            dataSource,
            new DatabaseMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()),
            Options.Create(new DatabaseOptions { ReadTimeout = TimeSpan.FromSeconds(1) }),
            NullLogger<Database>.Instance);
        var marker = $"budget-test-{Guid.NewGuid():N}";

        var started = Stopwatch.StartNew();
        var timeout = await Assert.ThrowsAsync<DatabaseTimeoutException>(() =>
            database.ExecuteScalarAsync<object>(Query.Read("products", "slow"), $"SELECT pg_sleep(30) /* {marker} */"));
        output.WriteLine($"cancelled after {started.ElapsedMilliseconds} ms: {timeout.Message}");
        Assert.InRange(started.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(20));

        await using var monitor = await app.OpenDatabaseAsync("productdb");
        var running = await Eventually.GetAsync(async () =>
        {
            await using var check = new NpgsqlCommand(
                """
                SELECT count(*) FROM pg_stat_activity
                WHERE state = 'active' AND query LIKE @marker AND pid <> pg_backend_pid()
                """,
                monitor);
            check.Parameters.AddWithValue("marker", $"%{marker}%");
            var count = (long)(await check.ExecuteScalarAsync())!;
            return count == 0 ? (long?)count : null;
        }, TimeSpan.FromSeconds(10));
        Assert.Equal(0, running);
    }

    private async Task AssertIndexedAsync(
        NpgsqlConnection connection, string sql, Dictionary<string, object?> parameters)
    {
        await using var explain = new NpgsqlCommand("EXPLAIN (FORMAT JSON) " + sql, connection);
        foreach (var (name, value) in parameters)
        {
            explain.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        var plan = JsonNode.Parse((string)(await explain.ExecuteScalarAsync())!)!;
        var scans = Nodes(plan[0]!["Plan"]!).ToList();
        var sequential = scans
            .Where(node => node["Node Type"]!.GetValue<string>() == "Seq Scan")
            .Select(node => node["Relation Name"]!.GetValue<string>())
            .ToList();
        var path = string.Join(" > ", scans.Select(node =>
            node["Node Type"]!.GetValue<string>() + (node["Index Name"] is { } index ? $"({index})" : "")));
        output.WriteLine($"{path} :: {sql.Split('\n')[0]}");
        Assert.True(sequential.Count == 0, $"sequential scan of {string.Join(", ", sequential)} in: {sql}");
    }

    private static IEnumerable<JsonNode> Nodes(JsonNode node) =>
        new[] { node }.Concat(node["Plans"]?.AsArray().SelectMany(child => Nodes(child!)) ?? []);
}
