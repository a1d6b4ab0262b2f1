using Microsoft.EntityFrameworkCore;

namespace CloudLab.ReadPeers.MinimalCatalog;

/// <summary>CloudLab's <c>products</c> table, read only.</summary>
public sealed class CatalogDb(DbContextOptions<CatalogDb> options) : DbContext(options)
{
    public DbSet<Product> Products => Set<Product>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        var product = modelBuilder.Entity<Product>().ToTable("products");
        product.HasKey(p => p.Id);
        product.Property(p => p.Id).HasColumnName("id");
        product.Property(p => p.Name).HasColumnName("name");
        product.Property(p => p.Description).HasColumnName("description");
        product.Property(p => p.CategoryId).HasColumnName("category_id");
        product.Property(p => p.Price).HasColumnName("price");
        product.Property(p => p.Currency).HasColumnName("currency");
        product.Property(p => p.Stock).HasColumnName("stock");
        product.Property(p => p.Status).HasColumnName("status");
        product.Property(p => p.CreatedAt).HasColumnName("created_at");
        product.Property(p => p.UpdatedAt).HasColumnName("updated_at");
        product.Property(p => p.Version).HasColumnName("version");
    }
}
