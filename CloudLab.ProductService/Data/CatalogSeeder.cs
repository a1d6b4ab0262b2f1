using CloudLab.ServiceDefaults.Data;
using Microsoft.Extensions.Options;

namespace CloudLab.ProductService.Data;

public sealed class SeedOptions
{
    public int Categories { get; set; } = 20;

    public int Products { get; set; } = 10_000;
}

/// <summary>
/// A deterministic catalogue on first start (ids, names, prices and stock derive from the row number), so the app is
/// useful at once and load tests find realistic data. Generated inside PostgreSQL: 10,000 products take well under a
/// second.
/// </summary>
public sealed class CatalogSeeder(IOptions<SeedOptions> options, ILogger<CatalogSeeder> logger) : IDatabaseSeeder
{
    public async Task SeedAsync(Database database, CancellationToken cancellationToken)
    {
        var seed = options.Value;
        if (await database.ExecuteScalarAsync<bool>(
            Query.Read("categories", "any"),
            "SELECT EXISTS (SELECT 1 FROM categories)",
            cancellationToken: cancellationToken))
        {
            return;
        }

        await database.ExecuteAsync(
            Query.Write("categories", "seed"),
            """
            INSERT INTO categories (id, name)
            SELECT md5('cloudlab-category-' || i)::uuid,
                   (ARRAY['Audio','Books','Cameras','Clothing','Computers','Furniture','Garden','Gaming','Groceries',
                          'Health','Home','Jewellery','Kitchen','Lighting','Music','Office','Outdoor','Phones',
                          'Sports','Toys'])[(i - 1) % 20 + 1]
                   || CASE WHEN i > 20 THEN ' ' || ((i - 1) / 20 + 1) ELSE '' END
            FROM generate_series(1, @categories) AS i
            """,
            new { categories = seed.Categories }, cancellationToken);

        await database.ExecuteAsync(
            Query.Write("products", "seed"),
            """
            INSERT INTO products (id, name, description, category_id, price, currency, stock, status)
            SELECT md5('cloudlab-product-' || i)::uuid,
                   (ARRAY['Compact','Classic','Deluxe','Eco','Ultra','Smart','Rugged','Portable','Premium',
                          'Essential'])[i % 10 + 1] || ' ' ||
                   (ARRAY['Speaker','Lamp','Backpack','Kettle','Monitor','Chair','Jacket','Camera','Drone','Watch',
                          'Blender','Router','Tent','Puzzle','Racket','Notebook','Headset','Keyboard','Planter',
                          'Vase'])[(i / 10) % 20 + 1] || ' ' ||
                   lpad(i::text, 5, '0'),
                   'Seeded product number ' || i || '.',
                   md5('cloudlab-category-' || ((i - 1) % @categories + 1))::uuid,
                   round((4.99 + (i * 7919 % 50000) / 100.0)::numeric, 2),
                   'USD',
                   CASE WHEN i % 50 = 0 THEN 0 ELSE 100 + (i * 31 % 900) END,
                   CASE WHEN i % 97 = 0 THEN 'discontinued' WHEN i % 89 = 0 THEN 'inactive' ELSE 'active' END
            FROM generate_series(1, @products) AS i
            """,
            new { categories = seed.Categories, products = seed.Products }, cancellationToken);
        // Fresh statistics and visibility map: the planner picks the catalogue's indexes from the first query on.
        await database.ExecuteAsync(
            Query.Write("categories", "vacuum"), "VACUUM (ANALYZE) categories", cancellationToken: cancellationToken);
        await database.ExecuteAsync(
            Query.Write("products", "vacuum"), "VACUUM (ANALYZE) products", cancellationToken: cancellationToken);
        logger.LogInformation("Seeded {Categories} categories and {Products} products", seed.Categories, seed.Products);
    }
}
