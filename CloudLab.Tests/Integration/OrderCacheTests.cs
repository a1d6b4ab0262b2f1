using CloudLab.OrderService.Domain;
using CloudLab.OrderService.Models;
using CloudLab.ServiceDefaults.Caching;
using CloudLab.Tests.Infrastructure;
using CloudLab.Tests.Unit.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CloudLab.Tests.Integration;

/// <summary>
/// OrderService's reads and write-through on the services' cache and the app's Redis, with the orders in memory: a
/// change written while a read is loading the order from the database is not undone by that read's store.
/// </summary>
[Collection(CloudLabCollection.Name)]
public sealed class OrderCacheTests(CloudLabAppFixture app)
{
    [Fact]
    public async Task A_read_that_loaded_an_order_before_it_was_cancelled_does_not_leave_it_cached_as_paid()
    {
        using var host = await CacheHostAsync();
        var store = new FakeOrderStore();
        var reads = new OrderReads(store, host.Services.GetRequiredService<ServiceCache>());
        var paid = new Order(
            Guid.CreateVersion7(), Guid.NewGuid(), OrderStatus.Paid, 8m, "USD", [], Guid.NewGuid(),
            DateTime.UtcNow, DateTime.UtcNow);
        store.Orders[paid.Id] = paid;

        // The first read misses and reads the paid order; before it stores what it read, the order is cancelled and
        // the cancellation written through (a refund's event handled meanwhile, as in a test run of 2026-12-01).
        var loaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        store.AfterRead = async () =>
        {
            loaded.TrySetResult();
            await release.Task;
        };
        var firstRead = reads.GetAsync(paid.Id, CancellationToken.None).AsTask();
        await loaded.Task.WaitAsync(TimeSpan.FromSeconds(5));
        store.AfterRead = null;
        var cancelled = paid with { Status = OrderStatus.Cancelled, Version = paid.Version + 1 };
        store.Orders[paid.Id] = cancelled;
        await reads.OrderChangedAsync(cancelled, CancellationToken.None);
        release.SetResult();

        Assert.Equal(OrderStatus.Paid, (await firstRead.WaitAsync(TimeSpan.FromSeconds(5)))!.Status);
        Assert.Equal(OrderStatus.Cancelled, (await reads.GetAsync(paid.Id, CancellationToken.None))!.Status);
    }

    private async Task<IHost> CacheHostAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Environment.ApplicationName = $"orders-{Guid.NewGuid():N}";
        builder.Configuration["ConnectionStrings:redis"] = await app.ConnectionStringAsync("redis");
        builder.AddServiceCache();
        return builder.Build();
    }
}
