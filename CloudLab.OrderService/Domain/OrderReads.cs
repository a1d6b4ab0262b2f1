using CloudLab.OrderService.Data;
using CloudLab.OrderService.Models;
using CloudLab.ServiceDefaults.Caching;
using CloudLab.ServiceDefaults.Http;

namespace CloudLab.OrderService.Domain;

/// <summary>
/// Orders through the cache (5 min): one entry per order, and each user's list pages under a tag of that user. An
/// order's entry is written and loaded by its version, so a read that loaded it before a change cannot leave the old
/// status cached after the change's write (<see cref="ServiceCache.SetNewestAsync{T}"/>).
/// </summary>
public sealed class OrderReads(IOrderStore store, ServiceCache cache)
{
    public ValueTask<Order?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        cache.GetOrLoadAsync(
            CachePolicies.Order,
            CachePolicies.Order.Key(id),
            id,
            store.GetAsync,
            versionOf: static order => order?.Version,
            cancellationToken: cancellationToken);

    public ValueTask<PagedResult<Order>> ListForUserAsync(
        Guid userId, PageRequest page, CancellationToken cancellationToken) =>
        cache.GetOrLoadAsync(
            CachePolicies.OrderList,
            CachePolicies.OrderList.Key($"{userId:N}:{page.Page}:{page.PageSize}"),
            (store, userId, page),
            static (state, token) => state.store.ListForUserAsync(state.userId, state.page, token),
            [UserTag(userId)], cancellationToken: cancellationToken);

    /// <summary>
    /// Write-through after a change: the order's entry is replaced and its owner's list pages dropped.
    /// </summary>
    public async Task OrderChangedAsync(Order order, CancellationToken cancellationToken)
    {
        await cache.SetNewestAsync(
            CachePolicies.Order, CachePolicies.Order.Key(order.Id), order.Version, order, cancellationToken);
        await cache.InvalidateTagsAsync([UserTag(order.UserId)], cancellationToken);
    }

    /// <summary>
    /// New orders: their owners' list pages are dropped (each owner once: the cache drops a tag once per call). The
    /// orders themselves are not written to the cache: their ids were never handed out, so no cache holds them, and
    /// the first read loads each (one Redis write and backplane message saved per order, which is what the write
    /// path's budget of a few milliseconds per order needs).
    /// </summary>
    public async Task OrdersPlacedAsync(IReadOnlyList<Order> orders, CancellationToken cancellationToken) =>
        await cache.InvalidateTagsAsync(orders.Select(order => UserTag(order.UserId)), cancellationToken);

    private static string UserTag(Guid userId) => $"order-lists:user:{userId:N}";
}
