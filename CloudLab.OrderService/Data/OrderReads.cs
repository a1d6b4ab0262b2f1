using CloudLab.OrderService.Models;
using CloudLab.ServiceDefaults.Caching;
using CloudLab.ServiceDefaults.Http;

namespace CloudLab.OrderService.Data;

/// <summary>Orders through the cache (5 min): one entry per order, and each user's list pages under a tag of that user.</summary>
public sealed class OrderReads(OrderStore store, ServiceCache cache)
{
    public ValueTask<Order?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        cache.GetOrCreateAsync(
            CachePolicies.Order, CachePolicies.Order.Key(id), (store, id),
            static (state, token) => new ValueTask<Order?>(state.store.GetAsync(state.id, token)),
            cancellationToken: cancellationToken);

    public ValueTask<PagedResult<Order>> ListForUserAsync(Guid userId, PageRequest page, CancellationToken cancellationToken) =>
        cache.GetOrCreateAsync(
            CachePolicies.Order, $"order-list:{userId:N}:{page.Page}:{page.PageSize}", (store, userId, page),
            static (state, token) => new ValueTask<PagedResult<Order>>(state.store.ListForUserAsync(state.userId, state.page, token)),
            [UserTag(userId)], cancellationToken);

    public async Task OrderChangedAsync(Order order, CancellationToken cancellationToken)
    {
        await cache.SetAsync(CachePolicies.Order, CachePolicies.Order.Key(order.Id), order, cancellationToken: cancellationToken);
        await cache.InvalidateTagsAsync([UserTag(order.UserId)], cancellationToken);
    }

    private static string UserTag(Guid userId) => $"order-lists:user:{userId:N}";
}
