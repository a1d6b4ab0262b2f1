using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CloudLab.Contracts;
using CloudLab.OrderService.Data;
using CloudLab.OrderService.Models;
using CloudLab.ServiceDefaults.Http;
using CloudLab.ServiceDefaults.Messaging;

namespace CloudLab.OrderService.Domain;

/// <summary>What became of a POST /api/orders.</summary>
public sealed record PlacementResult(Order? Order, bool Replayed, OrderFailure? Failure);

/// <summary>
/// Places an order as a saga: claim the Idempotency-Key → reserve and price the stock → charge → commit the
/// order with its OrderPlaced event. A business failure (no stock, declined) undoes what was done and is remembered
/// for retries of the same key; an unknown outcome (a dependency down) releases the stock at once and leaves the
/// money to <see cref="SagaRecovery"/>. No half order, no stock left reserved, no charge kept without an order.
/// </summary>
public sealed class OrderPlacement(
    IOrderStore store,
    IProductReservations products,
    IPayments payments,
    OrderCompensation compensation,
    OrderReads reads,
    TimeProvider time)
{
    public async Task<PlacementResult> PlaceAsync(
        Guid userId, IdempotencyKey key, PlaceOrderRequest request, CancellationToken cancellationToken)
    {
        var lines = request.Items
            .GroupBy(item => item.ProductId!.Value)
            .Select(group => new ReservationItemRequest(group.Key, group.Sum(item => item.Quantity!.Value)))
            .OrderBy(line => line.ProductId)
            .ToList();
        var orderId = Guid.CreateVersion7();
        var earlier = await store.ClaimRequestAsync(userId, key.Value, Hash(lines), orderId, cancellationToken);
        if (earlier is not null)
        {
            return await ReplayAsync(earlier, Hash(lines), cancellationToken);
        }

        try
        {
            return await RunAsync(orderId, userId, lines, cancellationToken);
        }
        catch (DependencyUnavailableException)
        {
            // A step's outcome is unknown (a charge may still land). Stock goes back now, without holding the answer:
            // a reservation arriving late is refused. Whether money moved is settled by SagaRecovery once every
            // call's budget has run out.
            _ = compensation.StartReleasingStock(orderId);
            throw;
        }
    }

    private async Task<PlacementResult> RunAsync(
        Guid orderId, Guid userId, List<ReservationItemRequest> lines, CancellationToken cancellationToken)
    {
        // One call prices and reserves: the prices are the ones the stock was reserved at.
        var reserved = await products.ReserveAsync(new ReservationRequest(orderId, lines), cancellationToken);
        if (reserved.Reservation is not { } reservation)
        {
            return await FailAsync(orderId, Failures.NotAvailable(reserved.ShortItems), cancellationToken);
        }

        if (reservation.Items.Select(line => line.Currency).Distinct().Count() > 1)
        {
            await products.ReleaseAsync(orderId, cancellationToken);
            return await FailAsync(orderId, Failures.MixedCurrencies, cancellationToken);
        }

        var items = reservation.Items
            .Select(line => new OrderItem(line.ProductId, line.Quantity, line.UnitPrice))
            .ToList();
        var total = items.Sum(item => item.UnitPrice * item.Quantity);
        var currency = reservation.Items[0].Currency;
        var payment = await payments.ChargeAsync(
            new ChargeRequest(orderId, userId, total, currency), cancellationToken);
        if (payment.Status != RemotePaymentStatus.Captured)
        {
            await products.ReleaseAsync(orderId, cancellationToken);
            return await FailAsync(orderId, Failures.Declined(payment.DeclineReason), cancellationToken);
        }

        var now = time.GetUtcNow().UtcDateTime;
        var order = new Order(orderId, userId, OrderStatus.Paid, total, currency, items, payment.Id, now, now);
        var placed = new OrderPlaced(order.Id, userId, total, currency, OrderLifecycle.Lines(order), now);
        await CommitAsync(
            order,
            OutboxEvent.Create(EventTypes.OrderPlaced, placed, EventJsonContext.Default.OrderPlaced),
            cancellationToken);
        await reads.OrderPlacedAsync(order, cancellationToken);
        return new PlacementResult(order, Replayed: false, Failure: null);
    }

    private async Task CommitAsync(Order order, OutboxEvent placed, CancellationToken cancellationToken)
    {
        try
        {
            await store.CompleteAsync(order, placed, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            throw new DependencyUnavailableException(
                "The order could not be recorded; the charge and the stock are being given back.", exception);
        }
    }

    private async Task<PlacementResult> FailAsync(
        Guid orderId, OrderFailure failure, CancellationToken cancellationToken)
    {
        await store.FailRequestAsync(orderId, failure, cancellationToken);
        return new PlacementResult(null, Replayed: false, failure);
    }

    private async Task<PlacementResult> ReplayAsync(
        OrderRequestRecord earlier, string requestHash, CancellationToken cancellationToken)
    {
        if (earlier.RequestHash != requestHash)
        {
            return new PlacementResult(null, Replayed: true, Failures.KeyReused);
        }

        return earlier.State switch
        {
            OrderRequestState.Completed => new PlacementResult(
                await store.GetAsync(earlier.OrderId, cancellationToken), Replayed: true, null),
            OrderRequestState.Failed => new PlacementResult(
                null,
                Replayed: true,
                JsonSerializer.Deserialize(earlier.Failure!, OrderJsonContext.Default.OrderFailure)),
            _ => new PlacementResult(null, Replayed: true, Failures.InProgress),
        };
    }

    private static string Hash(List<ReservationItemRequest> lines) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(
            string.Join(';', lines.Select(line => $"{line.ProductId:N}:{line.Quantity}")))));
}
