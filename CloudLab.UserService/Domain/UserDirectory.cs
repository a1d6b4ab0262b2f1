using CloudLab.ServiceDefaults.Caching;
using CloudLab.ServiceDefaults.Http;
using CloudLab.UserService.Data;
using CloudLab.UserService.Models;

namespace CloudLab.UserService.Domain;

/// <summary>
/// Users through the cache: profiles cache-aside (15 min), written through on change by their version; admin list
/// pages dropped by tag. The version orders the writes of both replicas and the loads that overlap a change
/// (<see cref="ServiceCache.SetNewestAsync{T}"/>), so no older profile stays cached after a newer one was written.
/// </summary>
public sealed class UserDirectory(IUserStore store, ServiceCache cache)
{
    private const string ListTag = "user-lists";

    /// <summary>A profile as its ready response: the cache holds its JSON, so a hit serializes nothing.</summary>
    public ValueTask<CachedJson?> GetJsonAsync(Guid id, CancellationToken cancellationToken) =>
        cache.GetOrLoadAsync(
            CachePolicies.User,
            CachePolicies.User.Key(id),
            (store, id),
            static async (state, token) =>
                await state.store.GetAsync(state.id, token) is { } user ? ProfileJson(user) : null,
            versionOf: static entry => entry?.Version,
            cancellationToken: cancellationToken);

    public ValueTask<PagedResult<UserProfile>> ListAsync(PageRequest page, CancellationToken cancellationToken) =>
        cache.GetOrLoadAsync(
            CachePolicies.UserList,
            CachePolicies.UserList.Key($"{page.Page}:{page.PageSize}"),
            page,
            store.ListAsync,
            [ListTag],
            cancellationToken: cancellationToken);

    public async Task<UserProfile?> RegisterAsync(
        string email, string passwordHash, string name, string role, CancellationToken cancellationToken)
    {
        var user = await store.InsertAsync(email, passwordHash, name, role, cancellationToken);
        if (user is not null)
        {
            await UserChangedAsync(user, cancellationToken);
        }

        return user;
    }

    public async Task<UserProfile?> UpdateProfileAsync(
        Guid id, UpdateProfileRequest request, CancellationToken cancellationToken)
    {
        var user = await store.UpdateProfileAsync(id, request.Name, request.Preferences, cancellationToken);
        if (user is not null)
        {
            await UserChangedAsync(user, cancellationToken);
        }

        return user;
    }

    private static CachedJson ProfileJson(UserProfile user) =>
        CachedJson.Create(user, UserJsonContext.Default.UserProfile, user.Version);

    private async Task UserChangedAsync(UserProfile user, CancellationToken cancellationToken)
    {
        await cache.SetNewestAsync(
            CachePolicies.User, CachePolicies.User.Key(user.Id), user.Version, ProfileJson(user), cancellationToken);
        await cache.InvalidateTagsAsync([ListTag], cancellationToken);
    }
}
