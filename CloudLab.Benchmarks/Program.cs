using BenchmarkDotNet.Running;

// dotnet run -c Release --project CloudLab.Benchmarks -- --filter '*'   (add --job short for a quick pass)
BenchmarkSwitcher.FromAssembly(typeof(CloudLab.Benchmarks.CacheHitBenchmarks).Assembly).Run(args);
