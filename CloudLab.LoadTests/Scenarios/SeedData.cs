using System.Security.Cryptography;
using System.Text;

namespace CloudLab.LoadTests.Scenarios;

/// <summary>
/// The ids and accounts the app seeds deterministically (see ProductService's CatalogSeeder and UserService's
/// UserSeeder), computed here the same way, so a load test spreads over the whole catalogue instead of one hot key.
/// </summary>
public static class SeedData
{
    public const string LoadTestPassword = "LoadTest#2026";
    public const string AdminEmail = "admin@cloudlab.local";
    public const string AdminPassword = "CloudLab!Admin2026";

    /// <summary>
    /// PostgreSQL's <c>md5(text)::uuid</c>: the 32 hex digits of the MD5, read as a uuid (an id, not security).
    /// </summary>
#pragma warning disable CA5351 // MD5 reproduces the seeder's ids; nothing here is secret
    public static Guid Md5Uuid(string text) =>
        Guid.ParseExact(Convert.ToHexString(MD5.HashData(Encoding.UTF8.GetBytes(text))), "N");
#pragma warning restore CA5351

    public static Guid ProductId(int number) => Md5Uuid($"cloudlab-product-{number}");

    public static Guid CategoryId(int number) => Md5Uuid($"cloudlab-category-{number}");

    /// <summary>Seeded products that can be ordered: active and in stock (the seeder's rules).</summary>
    public static bool IsOrderable(int number) => number % 97 != 0 && number % 89 != 0 && number % 50 != 0;

    public static string LoadTestEmail(int number) => $"loadtest-{number}@cloudlab.local";
}
