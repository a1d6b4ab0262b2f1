using System.Text;
using CloudLab.ProductService.Models;
using CloudLab.ServiceDefaults.Data;
using CloudLab.ServiceDefaults.Http;

namespace CloudLab.ProductService.Data;

/// <summary>The catalogue's SQL. Every query here is served by an index (see Migrations/0001_catalog.sql).</summary>
public sealed class ProductStore(Database database)
{
    internal const string Columns =
        "id, name, description, category_id, price, currency, stock, status, created_at, updated_at, version";

    public async Task<Product?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        var row = await database.QuerySingleOrDefaultAsync<ProductRow>(
            Query.Read("products", "get_by_id"),
            $"SELECT {Columns} FROM products WHERE id = @id",
            new { id },
            cancellationToken);
        return row?.ToProduct();
    }

    public async Task<PagedResult<Product>> ListAsync(
        ProductFilter filter, PageRequest page, CancellationToken cancellationToken)
    {
        var (where, parameters) = BuildWhere(filter);
        parameters.Add("limit", page.PageSize);
        parameters.Add("offset", page.Offset);

        var rows = await database.QueryAsync<ProductRow>(
            Query.Read("products", "list"),
            $"SELECT {Columns} FROM products{where} ORDER BY name, id LIMIT @limit OFFSET @offset",
            parameters, cancellationToken);
        var total = await database.ExecuteScalarAsync<long>(
            Query.Read("products", "count"), $"SELECT count(*) FROM products{where}", parameters, cancellationToken);
        return PagedResult.Create(page, rows.Select(row => row.ToProduct()).ToList(), total);
    }

    /// <summary>The WHERE clause for a filter; public so the EXPLAIN test checks the very SQL the API runs.</summary>
    public static (string Where, Dapper.DynamicParameters Parameters) BuildWhere(ProductFilter filter)
    {
        var conditions = new List<string>();
        var parameters = new Dapper.DynamicParameters();
        if (filter.CategoryId is { } categoryId)
        {
            conditions.Add("category_id = @categoryId");
            parameters.Add("categoryId", categoryId);
        }

        if (filter.Status is { } status)
        {
            conditions.Add("status = @status");
            parameters.Add("status", status.ToDb());
        }

        if (filter.InStock is { } inStock)
        {
            conditions.Add(inStock ? "stock > 0" : "stock = 0");
        }

        if (!string.IsNullOrEmpty(filter.NamePrefix))
        {
            conditions.Add("lower(name) LIKE @namePrefix");
            parameters.Add("namePrefix", EscapeLike(filter.NamePrefix.ToLowerInvariant()) + "%");
        }

        return (conditions.Count == 0 ? string.Empty : " WHERE " + string.Join(" AND ", conditions), parameters);
    }

    public async Task<Product> InsertAsync(CreateProductRequest request, CancellationToken cancellationToken)
    {
        var row = await database.QuerySingleOrDefaultAsync<ProductRow>(
            Query.Write("products", "insert"),
            $"""
            INSERT INTO products (id, name, description, category_id, price, currency, stock, status)
            VALUES (@id, @Name, @description, @CategoryId, @Price, @Currency, @Stock, @status)
            RETURNING {Columns}
            """,
            new
            {
                id = Guid.CreateVersion7(),
                request.Name,
                description = request.Description ?? string.Empty,
                request.CategoryId,
                request.Price,
                request.Currency,
                request.Stock,
                status = (request.Status ?? ProductStatus.Active).ToDb(),
            },
            cancellationToken);
        return row!.ToProduct();
    }

    /// <summary>
    /// Replaces the editable fields if the row is still at <paramref name="expectedVersion"/> (null: any version);
    /// null when the row is missing or has moved on.
    /// </summary>
    public async Task<Product?> UpdateAsync(
        Guid id, UpdateProductRequest request, long? expectedVersion, CancellationToken cancellationToken)
    {
        var row = await database.QuerySingleOrDefaultAsync<ProductRow>(
            Query.Write("products", "update"),
            $"""
            UPDATE products SET name = @Name, description = @description, category_id = @CategoryId, price = @Price,
                currency = @Currency, stock = @Stock, status = @status, updated_at = now(), version = version + 1
            WHERE id = @id AND (@expectedVersion::bigint IS NULL OR version = @expectedVersion)
            RETURNING {Columns}
            """,
            new
            {
                id,
                request.Name,
                description = request.Description ?? string.Empty,
                request.CategoryId,
                request.Price,
                request.Currency,
                request.Stock,
                status = request.Status!.Value.ToDb(),
                expectedVersion,
            },
            cancellationToken);
        return row?.ToProduct();
    }

    public Task<IReadOnlyList<Category>> CategoriesAsync(CancellationToken cancellationToken) =>
        database.QueryAsync<Category>(
            Query.Read("categories", "list"),
            "SELECT id, name FROM categories ORDER BY name",
            cancellationToken: cancellationToken);

    public async Task<bool> CategoryExistsAsync(Guid id, CancellationToken cancellationToken) =>
        await database.ExecuteScalarAsync<bool>(
            Query.Read("categories", "exists"),
            "SELECT EXISTS (SELECT 1 FROM categories WHERE id = @id)",
            new { id },
            cancellationToken);

    /// <summary>Adds a category; null when one with that name (any case) exists.</summary>
    public Task<Category?> InsertCategoryAsync(string name, CancellationToken cancellationToken) =>
        database.QuerySingleOrDefaultAsync<Category>(
            Query.Write("categories", "insert"),
            "INSERT INTO categories (id, name) VALUES (@id, @name) ON CONFLICT DO NOTHING RETURNING id, name",
            new { id = Guid.CreateVersion7(), name = name.Trim() },
            cancellationToken);

    private static string EscapeLike(string value)
    {
        var escaped = new StringBuilder(value.Length);
        foreach (var character in value)
        {
            if (character is '%' or '_' or '\\')
            {
                escaped.Append('\\');
            }

            escaped.Append(character);
        }

        return escaped.ToString();
    }
}

/// <summary>A products row as Dapper reads it (status is text in the database).</summary>
internal class ProductRow
{
    public Guid Id { get; init; }
    public string Name { get; init; } = string.Empty;
    public string Description { get; init; } = string.Empty;
    public Guid CategoryId { get; init; }
    public decimal Price { get; init; }
    public string Currency { get; init; } = string.Empty;
    public int Stock { get; init; }
    public string Status { get; init; } = string.Empty;
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
    public long Version { get; init; }

    public Product ToProduct() =>
        new(
            Id,
            Name,
            Description,
            CategoryId,
            Price,
            Currency,
            Stock,
            ProductStatusNames.FromDb(Status),
            CreatedAt,
            UpdatedAt,
            Version);
}
