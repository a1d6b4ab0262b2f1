using CloudLab.ReadPeers.MinimalCatalog;

// GET /api/products/{id} through Microsoft HybridCache (memory, then Redis, then EF Core), or with
// --Cache:Enabled=false straight from EF Core on every request. Connection strings: productdb (CloudLab's catalogue)
// and redis.
var builder = WebApplication.CreateBuilder(args);
builder.AddCatalog();

var app = builder.Build();
app.MapProductsApi();
app.Run();
