using CloudLab.ServiceDefaults.Messaging;
using CloudLab.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace CloudLab.Tests.Integration;

/// <summary>The stream is trimmed by age, and never past an entry a consumer group has not acknowledged.</summary>
[Collection(CloudLabCollection.Name)]
public sealed class StreamRetentionTests(CloudLabAppFixture app)
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    [Fact]
    public async Task Old_entries_go_only_once_every_group_has_acknowledged_them()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(await app.ConnectionStringAsync("redis"));
        var stream = redis.GetDatabase();
        var name = $"retention-test:{Guid.NewGuid():N}";
        var hourAgo = Now.AddHours(-1).ToUnixTimeMilliseconds();
        var old = new[] { $"{hourAgo}-0", $"{hourAgo}-1", $"{hourAgo}-2", $"{hourAgo}-3" };
        foreach (var id in old)
        {
            await stream.StreamAddAsync(name, "n", id, messageId: id);
        }

        var recent = await stream.StreamAddAsync(name, "n", "recent");
        var retention = new StreamRetention(
            redis, new OutboxOptions(name, TimeSpan.FromMinutes(15)), TimeProvider.System,
            NullLogger<StreamRetention>.Instance);

        // No consumer group yet: nothing has been read, nothing goes.
        Assert.Equal(0, await retention.TrimAsync(stream));

        // Group "fast" read and acknowledged everything; "slow" read two entries and acknowledged only the first.
        await stream.StreamCreateConsumerGroupAsync(name, "fast", StreamPosition.Beginning);
        await stream.StreamCreateConsumerGroupAsync(name, "slow", StreamPosition.Beginning);
        var fast = await stream.StreamReadGroupAsync(name, "fast", "f", ">", 10);
        await stream.StreamAcknowledgeAsync(name, "fast", fast.Select(entry => entry.Id).ToArray());
        var slow = await stream.StreamReadGroupAsync(name, "slow", "s", ">", 2);
        await stream.StreamAcknowledgeAsync(name, "slow", slow[0].Id);

        await retention.TrimAsync(stream);
        var left = (await stream.StreamRangeAsync(name)).Select(entry => entry.Id.ToString()).ToArray();
        Assert.Equal([old[1], old[2], old[3], recent.ToString()], left); // slow's pending entry and what follows stay

        // Once slow has acknowledged all, the old entries go and the recent one (younger than retention) stays.
        var rest = await stream.StreamReadGroupAsync(name, "slow", "s", ">", 10);
        await stream.StreamAcknowledgeAsync(name, "slow", [slow[1].Id, .. rest.Select(entry => entry.Id)]);
        await retention.TrimAsync(stream);
        left = (await stream.StreamRangeAsync(name)).Select(entry => entry.Id.ToString()).ToArray();
        Assert.Equal([recent.ToString()], left);

        await stream.KeyDeleteAsync(name);
    }

    [Fact]
    public async Task A_group_that_has_read_nothing_keeps_the_whole_stream()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(await app.ConnectionStringAsync("redis"));
        var stream = redis.GetDatabase();
        var name = $"retention-test:{Guid.NewGuid():N}";
        var hourAgo = Now.AddHours(-1).ToUnixTimeMilliseconds();
        await stream.StreamAddAsync(name, "n", "old", messageId: $"{hourAgo}-0");
        await stream.StreamCreateConsumerGroupAsync(name, "reader", StreamPosition.Beginning);
        await stream.StreamCreateConsumerGroupAsync(name, "idle", StreamPosition.NewMessages);
        var read = await stream.StreamReadGroupAsync(name, "reader", "r", ">", 10);
        await stream.StreamAcknowledgeAsync(name, "reader", read.Select(entry => entry.Id).ToArray());
        var retention = new StreamRetention(
            redis, new OutboxOptions(name, TimeSpan.FromMinutes(15)), TimeProvider.System,
            NullLogger<StreamRetention>.Instance);

        await retention.TrimAsync(stream); // must not throw on the idle group's last-delivered id
        Assert.Equal(1, await stream.StreamLengthAsync(name));
        await stream.KeyDeleteAsync(name);
    }
}
