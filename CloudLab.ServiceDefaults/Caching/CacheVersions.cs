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
/// Both steps are one Redis call for all the entries of a write (the claim a script, the check an MGET), so a batch
/// pays two Redis round trips, not two per entry. When Redis does not answer within the timeout they report nothing
/// (null) and tell <paramref name="reportFailure"/> (<see cref="CacheRepair.ReportFailure"/>): a Redis too slow to
/// answer still applies the writes sent to it, late, so the caller treats an unanswered check as an overtaken entry,
/// and <see cref="CacheRepair"/> removes what was written meanwhile once Redis answers again.
/// </remarks>
public sealed class CacheVersions(
    IConnectionMultiplexer redis, string keyPrefix, TimeSpan timeout, Action? reportFailure = null)
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
    public async Task<bool[]?> SupersededAsync(IReadOnlyList<(string Key, long Version)> entries) =>
        await ReadClaimsAsync(entries) is { } claims
            ? [.. entries.Select((entry, index) => claims[index] != entry.Version)]
            : null;

    /// <summary>
    /// Whether a newer version than <paramref name="version"/> has been claimed for the entry: true means a write of
    /// that newer version may have landed before an entry of <paramref name="version"/> loaded from the database.
    /// Null when Redis did not answer.
    /// </summary>
    public async Task<bool?> NewerClaimedAsync(string key, long version) =>
        await ReadClaimsAsync([(key, version)]) is [var claimed] ? claimed > version : null;

    private async Task<bool[]?> EvaluateAsync(
        string script, IReadOnlyList<(string Key, long Version)> entries, RedisValue[] arguments) =>
        await AskAsync(database => database.ScriptEvaluateAsync(script, Keys(entries), arguments)) is { } result
            ? [.. ((RedisResult[])result!).Select(flag => (int)flag == 1)]
            : null;

    /// <summary>
    /// The versions claimed for the entries (null: none), in one MGET. Only the claim needs a script: a script runs
    /// alone in Redis, and the two for a write batch of ~16 products took ~230 µs of Redis's time a call under load.
    /// </summary>
    private async Task<long?[]?> ReadClaimsAsync(IReadOnlyList<(string Key, long Version)> entries) =>
        await AskAsync(database => database.StringGetAsync(Keys(entries))) is { } values
            ? [.. values.Select(value => (long?)value)]
            : null;

    /// <summary>Redis's answer, or null when Redis failed or did not answer within the cache's timeout.</summary>
    private async Task<T?> AskAsync<T>(Func<IDatabase, Task<T>> call)
        where T : class
    {
        try
        {
            return await call(redis.GetDatabase()).WaitAsync(timeout);
        }
        catch (Exception exception) when (RedisFailures.IsRedisFailure(exception))
        {
            reportFailure?.Invoke();
            return null;
        }
    }

    private RedisKey[] Keys(IReadOnlyList<(string Key, long Version)> entries) =>
        [.. entries.Select(entry => (RedisKey)string.Concat(keyPrefix, entry.Key))];
}
