namespace CloudLab.ReadPeers.MinimalCatalog;

public sealed class Product
{
    public Guid Id { get; set; }

    public string Name { get; set; } = "";

    public string Description { get; set; } = "";

    public Guid CategoryId { get; set; }

    public decimal Price { get; set; }

    public string Currency { get; set; } = "";

    public int Stock { get; set; }

    public string Status { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public long Version { get; set; }
}
