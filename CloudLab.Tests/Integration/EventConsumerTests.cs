using System.Text.Json.Nodes;
using CloudLab.Tests.Infrastructure;
using Npgsql;
using StackExchange.Redis;

namespace CloudLab.Tests.Integration;

/// <summary>The analytics consumer against the real stream and database.</summary>
[Collection(CloudLabCollection.Name)]
public sealed class EventConsumerTests(CloudLabAppFixture app)
{
    [Fact]
    public async Task An_event_the_database_refuses_goes_to_dead_letters_and_the_stream_moves_on()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(await app.ConnectionStringAsync("redis"));
        var stream = redis.GetDatabase();
        var refusedUser = Guid.NewGuid();
        var laterUser = Guid.NewGuid();
        // Valid JSON for the contract, but a total no numeric(16,2) column can hold: refused every time it is tried.
        var overflowing = new JsonObject
        {
            ["orderId"] = Guid.NewGuid(),
            ["userId"] = refusedUser,
            ["total"] = 1e20m,
            ["currency"] = "USD",
            ["lines"] = new JsonArray(),
            ["placedAt"] = DateTimeOffset.UtcNow,
        }.ToJsonString();
        var refusedId = await stream.StreamAddAsync("cloudlab:events", Entry("order.placed", overflowing));
        var registered = new JsonObject
        {
            ["userId"] = laterUser,
            ["registeredAt"] = DateTimeOffset.UtcNow,
        }.ToJsonString();
        await stream.StreamAddAsync("cloudlab:events", Entry("user.registered", registered));

        var admin = await app.AdminAsync();
        using var analytics = app.Client("analyticsservice");
        var summary = await Eventually.GetAsync(async () =>
        {
            using var response = await analytics.SendAsync(
                admin.Request(HttpMethod.Get, $"/api/analytics/users/{laterUser}/summary"));
            return response.IsSuccessStatusCode ? await response.ReadObjectAsync() : null;
        }, TimeSpan.FromSeconds(90)); // longer than the report cache's minute, should a miss be cached first
        Assert.NotNull(summary); // the event after the refused one was applied: the stream did not stop

        await using var database = await app.OpenDatabaseAsync("analyticsdb");
        await using var query = new NpgsqlCommand("SELECT error FROM dead_letters WHERE stream_id = @id", database);
        query.Parameters.AddWithValue("id", refusedId.ToString());
        var error = await query.ExecuteScalarAsync() as string;
        Assert.False(string.IsNullOrEmpty(error));
    }

    private static NameValueEntry[] Entry(string type, string payload) =>
    [
        new("id", Guid.NewGuid().ToString()),
        new("type", type),
        new("payload", payload),
        new("occurredAt", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()),
    ];
}
