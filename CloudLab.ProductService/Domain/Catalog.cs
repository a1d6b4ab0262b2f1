using CloudLab.ProductService.Data;
using CloudLab.ProductService.Models;
using CloudLab.ServiceDefaults.Caching;
using CloudLab.ServiceDefaults.Http;

namespace CloudLab.ProductService.Domain;

/// <summary>
/// The catalogue as the API sees it: cache-aside reads, write-through writes, and tag invalidation of the list pages
/// a change can affect. List pages are tagged by the category they are filtered on, or "all" when they are not.
/// </summary>
public sealed class Catalog(ProductStore store, ServiceCache cache, ProductCacheWriter productCache)
{
    private const string CategoriesKey = "category:all";
    private const string AllListsTag = "product-lists:all";

    /// <summary>
    /// A product as its ready response (JSON and ETag): the cache holds the bytes, so a hit serializes nothing.
    /// </summary>
    public ValueTask<CachedJson?> GetProductJsonAsync(Guid id, CancellationToken cancellationToken) =>
        cache.GetOrLoadAsync(
            CachePolicies.Product,
            CachePolicies.Product.Key(id),
            (store, id),
            static async (state, token) =>
                await state.store.GetAsync(state.id, token) is { } product ? ProductCacheWriter.Entry(product) : null,
            versionOf: static entry => entry?.Version,
            cancellationToken: cancellationToken);

    /// <summary>A page of products as its ready response, its ETag a digest of its bytes.</summary>
    public ValueTask<CachedJson> ListProductsJsonAsync(
        ProductFilter filter, PageRequest page, CancellationToken cancellationToken) =>
        cache.GetOrLoadAsync(
            CachePolicies.ProductList,
            CachePolicies.ProductList.Key(filter.CacheKey(page.Page, page.PageSize)),
            (store, filter, page),
            static async (state, token) => CachedJson.Create(
                await state.store.ListAsync(state.filter, state.page, token),
                ProductJsonContext.Default.PagedResultProduct),
            [filter.CategoryId is { } category ? CategoryListTag(category) : AllListsTag],
            cancellationToken: cancellationToken);

    public ValueTask<IReadOnlyList<Category>> CategoriesAsync(CancellationToken cancellationToken) =>
        cache.GetOrLoadAsync(
            CachePolicies.Category,
            CategoriesKey,
            store,
            static (store, token) => store.CategoriesAsync(token),
            cancellationToken: cancellationToken);

    public async Task<Product> CreateProductAsync(CreateProductRequest request, CancellationToken cancellationToken)
    {
        var product = await store.InsertAsync(request, cancellationToken);
        await ProductChangedAsync(product, previousCategory: null, cancellationToken);
        return product;
    }

    /// <summary>
    /// An update based on <paramref name="expectedVersion"/> (null: whatever is current, asked for with
    /// <c>If-Match: *</c>). A product that moved on since (a reservation, another admin) is not overwritten.
    /// </summary>
    public async Task<ProductUpdate> UpdateProductAsync(
        Guid id, UpdateProductRequest request, long? expectedVersion, CancellationToken cancellationToken)
    {
        var before = await store.GetAsync(id, cancellationToken);
        if (before is null)
        {
            return new ProductUpdate(ProductUpdateOutcome.NotFound, null);
        }

        var product = await store.UpdateAsync(id, request, expectedVersion, cancellationToken);
        if (product is null)
        {
            return new ProductUpdate(ProductUpdateOutcome.VersionMismatch, await store.GetAsync(id, cancellationToken));
        }

        await ProductChangedAsync(product, before.CategoryId, cancellationToken);
        return new ProductUpdate(ProductUpdateOutcome.Updated, product);
    }

    /// <summary>
    /// Stock moved (reserve or release): the new rows go into the cache, after every write handed in before (see
    /// <see cref="ProductCacheWriter"/>); lists are dropped only where availability flipped. The write is queued before
    /// this returns, so a caller that does not await at once still keeps its place.
    /// </summary>
    public async Task StockChangedAsync(IReadOnlyCollection<StockChange> changes, CancellationToken cancellationToken)
    {
        await productCache.WriteAsync(changes.Select(change => change.Product).ToList());
        var tags = changes.Where(change => change.AvailabilityChanged)
            .SelectMany(change => new[] { CategoryListTag(change.Product.CategoryId), AllListsTag })
            .ToHashSet();
        if (tags.Count > 0)
        {
            await cache.InvalidateTagsAsync(tags, cancellationToken);
        }
    }

    public async Task<Category?> CreateCategoryAsync(string name, CancellationToken cancellationToken)
    {
        var category = await store.InsertCategoryAsync(name, cancellationToken);
        if (category is not null)
        {
            await cache.RemoveAsync(CachePolicies.Category, CategoriesKey, cancellationToken);
        }

        return category;
    }

    public Task<bool> CategoryExistsAsync(Guid id, CancellationToken cancellationToken) =>
        store.CategoryExistsAsync(id, cancellationToken);

    private async Task ProductChangedAsync(Product product, Guid? previousCategory, CancellationToken cancellationToken)
    {
        await productCache.WriteAsync([product]);
        List<string> tags = [AllListsTag, CategoryListTag(product.CategoryId)];
        if (previousCategory is { } previous && previous != product.CategoryId)
        {
            tags.Add(CategoryListTag(previous));
        }

        await cache.InvalidateTagsAsync(tags, cancellationToken);
    }

    private static string CategoryListTag(Guid categoryId) => $"product-lists:category:{categoryId:N}";
}
