using CloudLab.Contracts;
using CloudLab.OrderService.Domain;
using CloudLab.OrderService.Models;
using CloudLab.ServiceDefaults.Http;
using CloudLab.Tests.Unit.Fakes;

namespace CloudLab.Tests.Unit;

/// <summary>
/// Cancel and ship: the status commits first, stock and money go back after, and recovery finishes the rest. Shipping
/// needs a captured payment, and a refund made in PaymentService moves the order.
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

    [Fact]
    public async Task Shipping_asks_payment_first_and_a_refunded_payment_blocks_it()
    {
        var order = await PlacedOrderAsync();
        _saga.Payments.RefundDirectly(order.PaymentId!.Value);

        var ship = await _saga.Lifecycle.ShipAsync(order.Id, CancellationToken.None);

        Assert.Null(ship.Order);
        Assert.Equal((OrderStatus.Paid, RemotePaymentStatus.Refunded), (ship.BlockingStatus, ship.PaymentStatus));
        Assert.Equal(OrderStatus.Paid, _saga.Store.Orders[order.Id].Status);
    }

    [Fact]
    public async Task Shipping_with_payment_service_down_fails_and_moves_nothing()
    {
        var order = await PlacedOrderAsync();
        _saga.Payments.Down = true;

        await Assert.ThrowsAsync<DependencyUnavailableException>(
            () => _saga.Lifecycle.ShipAsync(order.Id, CancellationToken.None));

        Assert.Equal(OrderStatus.Paid, _saga.Store.Orders[order.Id].Status);
    }

    [Fact]
    public async Task A_refund_made_in_payment_cancels_a_paid_order_and_gives_back_its_stock_without_a_second_refund()
    {
        var order = await PlacedOrderAsync();
        _saga.Payments.RefundDirectly(order.PaymentId!.Value);

        var moved = await _saga.Lifecycle.PaymentsRefundedAsync([Refunded(order)], CancellationToken.None);

        Assert.Equal(OrderStatus.Cancelled, Assert.Single(moved).Status);
        Assert.Equal(OrderStatus.Cancelled, _saga.Store.Orders[order.Id].Status);
        Assert.Contains(_saga.Store.Events, outboxEvent => outboxEvent.Type == EventTypes.OrderCancelled);
        Assert.Equal(5, _saga.Products.Products[_lamp].Stock);
        Assert.Equal(0, _saga.Payments.RefundCalls);
        Assert.False(_saga.Store.CompensationDue[order.Id]);
        var ship = await _saga.Lifecycle.ShipAsync(order.Id, CancellationToken.None);
        Assert.Equal((null, OrderStatus.Cancelled), (ship.Order, ship.BlockingStatus));
    }

    [Fact]
    public async Task A_refund_after_shipping_marks_the_order_refunded_and_leaves_the_stock_shipped()
    {
        var order = await PlacedOrderAsync();
        await _saga.Lifecycle.ShipAsync(order.Id, CancellationToken.None);
        var eventsBefore = _saga.Store.Events.Count;
        _saga.Payments.RefundDirectly(order.PaymentId!.Value);

        var moved = await _saga.Lifecycle.PaymentsRefundedAsync([Refunded(order)], CancellationToken.None);

        Assert.Equal(OrderStatus.Refunded, Assert.Single(moved).Status);
        Assert.Equal(4, _saga.Products.Products[_lamp].Stock);
        Assert.Equal(eventsBefore, _saga.Store.Events.Count);
        Assert.Empty(_saga.Products.Released);
        var cancel = await _saga.Lifecycle.CancelAsync(order.Id, CancellationToken.None);
        Assert.Equal((null, OrderStatus.Refunded), (cancel.Order, cancel.BlockingStatus));
    }

    [Fact]
    public async Task The_refund_of_a_cancel_made_here_and_any_redelivery_change_nothing()
    {
        var cancelledHere = await PlacedOrderAsync("k1");
        var refundedThere = await PlacedOrderAsync("k2");
        await _saga.Lifecycle.CancelAsync(cancelledHere.Id, CancellationToken.None);
        _saga.Payments.RefundDirectly(refundedThere.PaymentId!.Value);
        await _saga.Lifecycle.PaymentsRefundedAsync([Refunded(refundedThere)], CancellationToken.None);
        var eventsBefore = _saga.Store.Events.Count;
        var releasesBefore = _saga.Products.Released.Count;

        var moved = await _saga.Lifecycle.PaymentsRefundedAsync(
            [Refunded(cancelledHere), Refunded(refundedThere), Refunded(refundedThere)], CancellationToken.None);

        Assert.Empty(moved);
        Assert.Equal(eventsBefore, _saga.Store.Events.Count);
        Assert.Equal(releasesBefore, _saga.Products.Released.Count);
        Assert.Equal(1, _saga.Payments.RefundCalls); // the cancel's own refund, once
        Assert.Equal(5, _saga.Products.Products[_lamp].Stock);
    }

    [Fact]
    public async Task Only_the_refund_of_the_orders_own_payment_moves_it()
    {
        var order = await PlacedOrderAsync();

        var moved = await _saga.Lifecycle.PaymentsRefundedAsync(
            [Refunded(order) with { PaymentId = Guid.NewGuid() }], CancellationToken.None);

        Assert.Empty(moved);
        Assert.Equal(OrderStatus.Paid, _saga.Store.Orders[order.Id].Status);
    }

    [Fact]
    public async Task A_refund_cancel_with_product_down_is_finished_by_recovery_with_the_stock_alone()
    {
        var order = await PlacedOrderAsync();
        _saga.Payments.RefundDirectly(order.PaymentId!.Value);
        _saga.Products.Down = true;

        await _saga.Lifecycle.PaymentsRefundedAsync([Refunded(order)], CancellationToken.None);

        Assert.Equal(OrderStatus.Cancelled, _saga.Store.Orders[order.Id].Status);
        Assert.True(_saga.Store.CompensationDue[order.Id]);
        _saga.Products.Down = false;
        await _saga.CancelledOrderRecovery.SweepAsync(CancellationToken.None);
        Assert.False(_saga.Store.CompensationDue[order.Id]);
        Assert.Equal(5, _saga.Products.Products[_lamp].Stock);
        Assert.Equal(0, _saga.Payments.RefundCalls);
    }

    private static PaymentRefunded Refunded(Order order) => new(
        order.PaymentId!.Value, order.Id, order.UserId, order.Total, order.Currency, DateTimeOffset.UtcNow);

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
