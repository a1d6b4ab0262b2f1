namespace CloudLab.ProductService.Models;

public enum ProductUpdateOutcome
{
    Updated,
    NotFound,

    /// <summary>The product changed after the version the update was based on.</summary>
    VersionMismatch,
}

/// <summary>What an update did, with the product as it now is (null when not found).</summary>
public sealed record ProductUpdate(ProductUpdateOutcome Outcome, Product? Product);
