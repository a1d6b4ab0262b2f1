using CloudLab.Contracts;
using CloudLab.OrderService.Domain;
using CloudLab.OrderService.Models;
using CloudLab.ServiceDefaults.Http;
using CloudLab.Tests.Unit.Fakes;

namespace CloudLab.Tests.Unit;

/// <summary>
/// Cancel and ship: the status commits first, stock and money go back after, and recovery finishes the rest.
/// </summary>
public sealed class OrderLifecycleTests : IDisposable
{
    private readonly OrderSagaHarness _saga = new();
    private Guid _lamp;

    public void Dispose() => _saga.Dispose();

    [Fact]
    public async Task Cancelling_commits_with_its_event_then_releases_the_stock_and_refunds()
    {
        var order = await PlacedOrderAsync();

        var result = await _saga.Lifecycle.CancelAsync(order.Id, CancellationToken.None);

        Assert.Equal(OrderStatus.Cancelled, result.Order?.Status);
        Assert.Contains(_saga.Store.Events, outboxEvent => outboxEvent.Type == EventTypes.OrderCancelled);
        Assert.Equal(5, _saga.Products.Products[_lamp].Stock);
        Assert.Equal("refunded", _saga.Payments.Payments[order.PaymentId!.Value].Status);
        Assert.False(_saga.Store.CompensationDue[order.Id]);
    }

    [Fact]
    public async Task A_cancel_with_a_dependency_down_still_commits_and_recovery_settles_it_later()
    {
        var order = await PlacedOrderAsync();
        _saga.Products.Down = true;

        var result = await _saga.Lifecycle.CancelAsync(order.Id, CancellationToken.None);

        Assert.Equal(OrderStatus.Cancelled, result.Order?.Status);
        Assert.True(_saga.Store.CompensationDue[order.Id]);
        Assert.Single(_saga.Payments.Captured); // not refunded yet: the refund follows the release
        await _saga.CancelledOrderRecovery.SweepAsync(CancellationToken.None);
        Assert.True(_saga.Store.CompensationDue[order.Id]); // still down: tried again next time

        _saga.Products.Down = false;
        await _saga.CancelledOrderRecovery.SweepAsync(CancellationToken.None);

        Assert.False(_saga.Store.CompensationDue[order.Id]);
        Assert.Equal(5, _saga.Products.Products[_lamp].Stock);
        Assert.Empty(_saga.Payments.Captured);
    }

    [Fact]
    public async Task A_cancelled_order_cannot_be_shipped_and_a_shipped_one_cannot_be_cancelled()
    {
        var cancelled = await PlacedOrderAsync("k1");
        var shipped = await PlacedOrderAsync("k2");
        await _saga.Lifecycle.CancelAsync(cancelled.Id, CancellationToken.None);
        await _saga.Lifecycle.ShipAsync(shipped.Id, CancellationToken.None);

        var ship = await _saga.Lifecycle.ShipAsync(cancelled.Id, CancellationToken.None);
        var cancel = await _saga.Lifecycle.CancelAsync(shipped.Id, CancellationToken.None);

        Assert.Equal((null, OrderStatus.Cancelled), (ship.Order, ship.BlockingStatus));
        Assert.Equal((null, OrderStatus.Shipped), (cancel.Order, cancel.BlockingStatus));
        Assert.Single(_saga.Payments.Captured); // the shipped order keeps its payment
    }

    [Fact]
    public async Task An_unknown_order_is_neither_cancelled_nor_shipped()
    {
        var cancel = await _saga.Lifecycle.CancelAsync(Guid.NewGuid(), CancellationToken.None);
        var ship = await _saga.Lifecycle.ShipAsync(Guid.NewGuid(), CancellationToken.None);

        Assert.Equal((null, null), (cancel.Order, cancel.BlockingStatus));
        Assert.Equal((null, null), (ship.Order, ship.BlockingStatus));
    }

    private async Task<Order> PlacedOrderAsync(string key = "k1")
    {
        if (_lamp == Guid.Empty)
        {
            _lamp = _saga.Products.AddProduct(price: 10m, stock: 5);
        }

        var placed = await _saga.Placement.PlaceAsync(
            Guid.NewGuid(),
            new IdempotencyKey(key),
            new PlaceOrderRequest([new OrderLineRequest(_lamp, 1)]),
            CancellationToken.None);
        return placed.Order!;
    }
}
