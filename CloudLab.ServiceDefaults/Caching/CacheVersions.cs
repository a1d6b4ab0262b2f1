using StackExchange.Redis;

namespace CloudLab.ServiceDefaults.Caching;

/// <summary>
/// The newest version of each versioned entry that any replica has claimed to write, kept in Redis beside the entries
/// (key: the entry's key under <c>{service}:version:</c>). Replicas write the same entity's entry after their own
/// commits, and nothing orders those writes in Redis: a replica whose write of version 5 was slow could land after
/// another's version 6, and every replica would then read version 5 back until the entry expired.
/// <see cref="ServiceCache.SetNewestAsync{T}"/> claims a version before writing (a version not newer than one claimed
/// is not written) and asks after writing whether a newer one was claimed meanwhile (its write may have landed first:
/// the entry is then removed, and the next read loads the newest from the database). A read that loaded the entry from
/// the database asks the same of the version it loaded (<see cref="ServiceCache.GetOrLoadAsync{TArgument,T}"/>).
/// </summary>
/// <remarks>
/// Both steps are one script call for all the entries of a write, so a batch pays two Redis round trips, not two per
/// entry. When Redis does not answer within the cache's timeout they report nothing (null), and the caller writes
/// as it would without versions; <see cref="CacheRepair"/> puts such writes right once Redis is back.
/// </remarks>
public sealed class CacheVersions(IConnectionMultiplexer redis, string keyPrefix, TimeSpan timeout)
{
    /// <summary>KEYS: version keys. ARGV[1]: their TTL (ms); ARGV[1 + i]: KEYS[i]'s version. 1: claimed.</summary>
    private const string ClaimScript = """
        local claimed = {}
        for i, key in ipairs(KEYS) do
          local current = tonumber(redis.call('GET', key))
          local version = tonumber(ARGV[i + 1])
          if current == nil or current < version then
            redis.call('SET', key, ARGV[i + 1], 'PX', ARGV[1])
            claimed[i] = 1
          else
            claimed[i] = 0
          end
        end
        return claimed
        """;

    /// <summary>KEYS: version keys. ARGV[i]: the version written for KEYS[i]. 1: another version is claimed.</summary>
    private const string SupersededScript = """
        local superseded = {}
        for i, key in ipairs(KEYS) do
          local current = tonumber(redis.call('GET', key))
          superseded[i] = (current ~= tonumber(ARGV[i])) and 1 or 0
        end
        return superseded
        """;

    /// <summary>KEYS[1]: a version key. ARGV[1]: a version. 1: a newer version is claimed.</summary>
    private const string NewerScript = """
        local current = tonumber(redis.call('GET', KEYS[1]))
        return { (current ~= nil and current > tonumber(ARGV[1])) and 1 or 0 }
        """;

    /// <summary>
    /// Claims each entry's version if it is newer than any claimed before: true for those this caller may write.
    /// Null when Redis did not answer.
    /// </summary>
    public Task<bool[]?> ClaimAsync(CachePolicy policy, IReadOnlyList<(string Key, long Version)> entries)
    {
        // Versions outlive the entries they guard, so an entry reloaded after expiry cannot be overtaken by a write
        // that was claimed before it expired.
        var ttl = (long)(policy.Expiration * 2).TotalMilliseconds;
        RedisValue[] arguments = [ttl, .. entries.Select(entry => (RedisValue)entry.Version)];
        return EvaluateAsync(ClaimScript, entries, arguments);
    }

    /// <summary>
    /// For each entry written at its claimed version, whether another version has been claimed since (or the claim is
    /// gone): its write may have been overtaken. Null when Redis did not answer.
    /// </summary>
    public Task<bool[]?> SupersededAsync(IReadOnlyList<(string Key, long Version)> entries) =>
        EvaluateAsync(SupersededScript, entries, [.. entries.Select(entry => (RedisValue)entry.Version)]);

    /// <summary>
    /// Whether a newer version than <paramref name="version"/> has been claimed for the entry: true means a write of
    /// that newer version may have landed before an entry of <paramref name="version"/> loaded from the database.
    /// Null when Redis did not answer.
    /// </summary>
    public async Task<bool?> NewerClaimedAsync(string key, long version) =>
        await EvaluateAsync(NewerScript, [(key, version)], [version]) is [var newer] ? newer : null;

    private async Task<bool[]?> EvaluateAsync(
        string script, IReadOnlyList<(string Key, long Version)> entries, RedisValue[] arguments)
    {
        RedisKey[] keys = [.. entries.Select(entry => (RedisKey)string.Concat(keyPrefix, entry.Key))];
        try
        {
            var result = await redis.GetDatabase().ScriptEvaluateAsync(script, keys, arguments).WaitAsync(timeout);
            return [.. ((RedisResult[])result!).Select(flag => (int)flag == 1)];
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            return null;
        }
    }
}
