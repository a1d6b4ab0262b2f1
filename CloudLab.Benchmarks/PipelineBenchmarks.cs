using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace CloudLab.Benchmarks;

/// <summary>
/// One cached <c>GET /api/products/{id}</c> through ProductService's whole pipeline, in process, next to the bare
/// endpoint of the same host (<c>/calibration/bare</c>, answered before any CloudLab middleware). Both pay the
/// in-memory server's own cost per request; the difference is what CloudLab's stack and the read cost.
/// </summary>
[MemoryDiagnoser]
public class CachedGetPipelineBenchmarks
{
    private InProcessProductService _service = null!;

    [GlobalSetup]
    public async Task SetUp() => _service = await InProcessProductService.StartAsync(app => app.UseServiceDefaults());

    [GlobalCleanup]
    public async Task CleanUp() => await _service.DisposeAsync();

    [Benchmark(Baseline = true, Description = "bare endpoint, same host")]
    public Task<int> Bare() => _service.GetAsync(InProcessProductService.BarePath);

    [Benchmark(Description = "GET /api/products/{id}, cache hit, whole pipeline")]
    public Task<int> CachedProduct() => _service.GetAsync(InProcessProductService.ProductPath);
}

/// <summary>
/// The same cached GET with one middleware stage left out at a time (<see cref="PipelineStages"/> composes the stages
/// in the order of the service's own pipeline; <c>none</c> is that pipeline whole, <c>all</c> leaves every stage
/// out). A stage's cost per request is its row's difference to <c>none</c>.
/// </summary>
[MemoryDiagnoser]
public class PipelineStageBenchmarks
{
    private InProcessProductService _service = null!;

    [ParamsAllValues]
    public PipelineStage Without { get; set; }

    [GlobalSetup]
    public async Task SetUp() =>
        _service = await InProcessProductService.StartAsync(app => PipelineStages.Use(app, Without));

    [GlobalCleanup]
    public async Task CleanUp() => await _service.DisposeAsync();

    [Benchmark(Description = "GET /api/products/{id}, cache hit")]
    public Task<int> CachedProduct() => _service.GetAsync(InProcessProductService.ProductPath);
}
