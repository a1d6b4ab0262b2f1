using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Aspire.Hosting.ApplicationModel;
using CloudLab.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace CloudLab.Tests.Integration;

/// <summary>
/// Redis killed with SIGKILL right after a burst of events, kept down while more events are committed, and started
/// again without the tail of its append-only file, which is what an operating-system crash loses when Redis syncs
/// once a second. Analytics must end up with every event, soon after Redis is back.
/// </summary>
[Collection(CloudLabCollection.Name)]
public sealed class BrokerCrashTests(CloudLabAppFixture app, ITestOutputHelper output)
{
    private const int BurstSize = 60;

    [Fact]
    public async Task Events_Redis_took_but_lost_in_a_crash_are_published_again_and_analytics_is_whole_soon_after()
    {
        var redis = await RedisProcess.FindAsync(await app.ConnectionStringAsync("redis"));
        var lastIncrement = redis.LastAppendOnlyIncrement();
        var syncedLength = new FileInfo(lastIncrement).Length;

        var beforeCrash = await RegisterUsersAsync(BurstSize);
        redis.Kill();
        var commands = app.App.Services.GetRequiredService<ResourceCommandService>();
        var restarted = false;
        try
        {
            // Events keep being committed while Redis is down: they wait in the outbox.
            var duringOutage = await RegisterUsersAsync(BurstSize);
            await Task.Delay(TimeSpan.FromSeconds(5));

            // What the crash loses: everything Redis wrote after the burst began (well under the relay's window).
            var lostBytes = new FileInfo(lastIncrement).Length - syncedLength;
            using (var file = new FileStream(lastIncrement, FileMode.Open, FileAccess.Write))
            {
                file.SetLength(syncedLength);
            }

            output.WriteLine($"dropped the last {lostBytes:N0} bytes of {Path.GetFileName(lastIncrement)}");
            Assert.True(lostBytes > 0, "the burst reached Redis before the crash");

            restarted = (await commands.ExecuteCommandAsync("redis", KnownResourceCommands.StartCommand)).Success;
            Assert.True(restarted);
            await app.App.ResourceNotifications.WaitForResourceHealthyAsync("redis")
                .WaitAsync(TimeSpan.FromSeconds(60));
            var back = Stopwatch.StartNew();

            var expected = beforeCrash.Concat(duringOutage).ToArray();
            var missing = await Eventually.GetAsync(async () =>
            {
                var missingNow = await MissingFromAnalyticsAsync(expected);
                return missingNow.Count == 0 ? missingNow : null;
            }, TimeSpan.FromSeconds(30)) ?? await MissingFromAnalyticsAsync(expected);
            output.WriteLine($"analytics had {expected.Length - missing.Count} of {expected.Length} registrations "
                + $"{back.Elapsed.TotalSeconds:N1} s "
                + $"after Redis was healthy again ({missing.Count} missing)");
            Assert.Empty(missing);
        }
        finally
        {
            if (!restarted)
            {
                await commands.ExecuteCommandAsync("redis", KnownResourceCommands.StartCommand);
            }
        }
    }

    private async Task<Guid[]> RegisterUsersAsync(int count)
    {
        using var users = app.Client("userservice");
        var ids = await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
        {
            using var registered = await users.PostAsJsonAsync("/api/users", new
            {
                email = $"crash-{Guid.NewGuid():N}@example.test",
                password = "Crash-Password-1",
                name = "Crash Test",
            });
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
            return (await registered.ReadObjectAsync())["id"]!.GetValue<Guid>();
        }));
        return ids;
    }

    private async Task<IReadOnlyList<Guid>> MissingFromAnalyticsAsync(Guid[] userIds)
    {
        await using var analytics = await app.OpenDatabaseAsync("analyticsdb");
        await using var query = new NpgsqlCommand(
            """
            SELECT id FROM unnest(@ids) AS id
            WHERE NOT EXISTS (
                SELECT 1 FROM user_summaries WHERE user_id = id AND registered_at IS NOT NULL)
            """,
            analytics);
        query.Parameters.AddWithValue("ids", userIds);
        var missing = new List<Guid>();
        await using var reader = await query.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            missing.Add(reader.GetGuid(0));
        }

        return missing;
    }
}
