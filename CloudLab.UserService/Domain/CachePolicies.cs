using CloudLab.ServiceDefaults.Caching;

namespace CloudLab.UserService.Domain;

/// <summary>The users' cache entries with the standard's TTL for user data (15 minutes).</summary>
public static class CachePolicies
{
    public static readonly CachePolicy User = new("user", TimeSpan.FromMinutes(15));
    public static readonly CachePolicy UserList = new("user-list", TimeSpan.FromMinutes(15));
}
