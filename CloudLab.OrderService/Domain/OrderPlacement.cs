using System.Diagnostics.Metrics;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CloudLab.Contracts;
using CloudLab.OrderService.Data;
using CloudLab.OrderService.Models;
using CloudLab.ServiceDefaults.Batching;
using CloudLab.ServiceDefaults.Http;
using CloudLab.ServiceDefaults.Messaging;
using Microsoft.Extensions.Options;

namespace CloudLab.OrderService.Domain;

/// <summary>What became of a POST /api/orders.</summary>
public sealed record PlacementResult(Order? Order, bool Replayed, OrderFailure? Failure);

/// <summary>
/// Places orders as a saga: claim the Idempotency-Key → reserve and price the stock → charge → commit the order
/// with its OrderPlaced event. A business failure (no stock, declined) undoes what was done and is remembered for
/// retries of the same key; an unknown outcome (a dependency down) releases the stock at once and leaves the money to
/// <see cref="SagaRecovery"/>. No half order, no stock left reserved, no charge kept without an order.
/// </summary>
/// <remarks>
/// The orders waiting when a batch starts go through the whole saga together (natural batching): one claim
/// statement, one reservation call, one charge call and one commit for all of them, each order still with its own
/// outcome. Why not a batch per step, as before: each step's loop was always busy, so it ran as many batches as its
/// speed allowed (order claims 82 a second of 6 at 500 orders/s), and an order waited in four queues, about 1.5 batch
/// lengths in each (p50 218 ms, mostly the charge step's 80 ms batches).
/// </remarks>
public sealed class OrderPlacement : IAsyncDisposable
{
    private readonly IOrderStore _store;
    private readonly IProductReservations _products;
    private readonly IPayments _payments;
    private readonly OrderCompensation _compensation;
    private readonly OrderReads _reads;
    private readonly TimeProvider _time;
    private readonly NaturalBatcher<Placement, Func<PlacementResult>> _placements;
    private readonly NaturalBatcher<RequestFailure, bool> _failures;

    public OrderPlacement(
        IOrderStore store,
        IProductReservations products,
        IPayments payments,
        OrderCompensation compensation,
        OrderReads reads,
        TimeProvider time,
        IOptions<PlacementOptions> options,
        IMeterFactory meterFactory)
    {
        _store = store;
        _products = products;
        _payments = payments;
        _compensation = compensation;
        _reads = reads;
        _time = time;
        // A batch mostly waits (on ProductService, then on the gateway's answers), so others run meanwhile. More
        // batches in flight make an order wait less for one to start, and make each smaller (PlacementOptions).
        _placements = new NaturalBatcher<Placement, Func<PlacementResult>>(
            new BatchingStage("order_placement", MaxBatchSize: 256, options.Value.ConcurrentBatches),
            PlaceManyAsync,
            meterFactory);
        // The orders of a batch that fail (no stock, declined) are recorded together: one statement and one connection,
        // not one each. After a 5 s PostgreSQL freeze the orders held through it fail by the dozen at once, and one
        // connection each was asked for while new connections came slowly (chaos run of 2026-12-01 18:08: failure
        // writes of 2.6-3.7 s after the freeze had ended). It did not end the stall after a freeze on its own.
        _failures = new NaturalBatcher<RequestFailure, bool>(
            new BatchingStage("order_failure", MaxBatchSize: 256, ConcurrentBatches: 1),
            async (failures, cancellationToken) =>
            {
                await _store.FailRequestsAsync(failures, cancellationToken);
                return failures.Select(_ => true).ToList();
            },
            meterFactory);
    }

    /// <summary>
    /// The order, its replay, or its failure; a <see cref="DependencyUnavailableException"/> when an outcome is
    /// unknown. Once its batch has taken it, the order goes on even if the caller leaves.
    /// </summary>
    public async Task<PlacementResult> PlaceAsync(
        Guid userId, IdempotencyKey key, PlaceOrderRequest request, CancellationToken cancellationToken)
    {
        var lines = request.Items
            .GroupBy(item => item.ProductId!.Value)
            .Select(group => new ReservationItemRequest(group.Key, group.Sum(item => item.Quantity!.Value)))
            .OrderBy(line => line.ProductId)
            .ToList();
        var placement = new Placement(Guid.CreateVersion7(), userId, key.Value, lines, Hash(lines));
        return (await _placements.SubmitAsync(placement, cancellationToken))();
    }

    public async ValueTask DisposeAsync()
    {
        await _placements.DisposeAsync();
        await _failures.DisposeAsync();
    }

    private async Task<IReadOnlyList<Func<PlacementResult>>> PlaceManyAsync(
        IReadOnlyList<Placement> batch, CancellationToken cancellationToken)
    {
        var earlier = await _store.ClaimRequestsAsync(
            batch.Select(order => new RequestClaim(order.UserId, order.Key, order.RequestHash, order.OrderId))
                .ToList(),
            cancellationToken);
        var sagas = batch.Select(order => new Saga(order)).ToList();
        var replays = sagas.Zip(earlier)
            .Where(pair => pair.Second is not null)
            .Select(pair => SettleAsync(
                pair.First, () => ReplayAsync(pair.Second!, pair.First.Order, cancellationToken)))
            .ToList();
        var claimed = sagas.Zip(earlier).Where(pair => pair.Second is null).Select(pair => pair.First).ToList();

        await ReserveAsync(claimed, cancellationToken);
        await ChargeAsync(claimed, cancellationToken);
        await CommitAsync(claimed, cancellationToken);
        await Task.WhenAll(replays);
        return sagas.Select(saga => saga.Outcome!).ToList();
    }

    /// <summary>One call prices and reserves: the prices are the ones the stock was reserved at.</summary>
    private async Task ReserveAsync(List<Saga> sagas, CancellationToken cancellationToken)
    {
        if (sagas.Count == 0)
        {
            return;
        }

        if (await AskForAllAsync(sagas, () => _products.ReserveManyAsync(
                sagas.Select(saga => new ReservationRequest(saga.Order.OrderId, saga.Order.Lines)).ToList(),
                cancellationToken)) is not { } reserved)
        {
            return;
        }

        var undoing = new List<Task>();
        foreach (var (saga, result) in sagas.Zip(reserved))
        {
            if (result.Reservation is not { } reservation)
            {
                undoing.Add(SettleAsync(saga, () => FailAsync(saga, Failures.NotAvailable(result.ShortItems))));
            }
            else if (reservation.Items.Select(line => line.Currency).Distinct().Count() > 1)
            {
                undoing.Add(SettleAsync(saga, () => ReleaseAndFailAsync(saga, Failures.MixedCurrencies)));
            }
            else
            {
                saga.Items = reservation.Items
                    .Select(line => new OrderItem(line.ProductId, line.Quantity, line.UnitPrice))
                    .ToList();
                saga.Currency = reservation.Items[0].Currency;
            }
        }

        await Task.WhenAll(undoing);
    }

    private async Task ChargeAsync(List<Saga> sagas, CancellationToken cancellationToken)
    {
        var charging = sagas.Where(saga => saga.Outcome is null).ToList();
        if (charging.Count == 0)
        {
            return;
        }

        if (await AskForAllAsync(charging, () => _payments.ChargeManyAsync(
                charging.Select(saga => new ChargeRequest(
                    saga.Order.OrderId, saga.Order.UserId, saga.Total, saga.Currency!)).ToList(),
                cancellationToken)) is not { } charged)
        {
            return;
        }

        var undoing = new List<Task>();
        foreach (var (saga, outcome) in charging.Zip(charged))
        {
            try
            {
                saga.Payment = outcome();
            }
            catch (DependencyUnavailableException exception)
            {
                Unknown(saga, exception);
                continue;
            }

            if (saga.Payment.Status != RemotePaymentStatus.Captured)
            {
                var reason = saga.Payment.DeclineReason;
                undoing.Add(SettleAsync(saga, () => ReleaseAndFailAsync(saga, Failures.Declined(reason))));
            }
        }

        await Task.WhenAll(undoing);
    }

    private async Task CommitAsync(List<Saga> sagas, CancellationToken cancellationToken)
    {
        var paid = sagas.Where(saga => saga.Outcome is null).ToList();
        if (paid.Count == 0)
        {
            return;
        }

        var now = _time.GetUtcNow().UtcDateTime;
        var completions = paid.Select(saga =>
        {
            var order = new Order(saga.Order.OrderId, saga.Order.UserId, OrderStatus.Paid, saga.Total, saga.Currency!,
                saga.Items!, saga.Payment!.Id, now, now);
            var placed = new OrderPlaced(
                order.Id, order.UserId, order.Total, order.Currency, OrderLifecycle.Lines(order), now);
            return new OrderCompletion(
                order, OutboxEvent.Create(EventTypes.OrderPlaced, placed, EventJsonContext.Default.OrderPlaced));
        }).ToList();
        try
        {
            // Not the callers' token: the orders were charged, so their commit goes ahead even if the service stops.
            await _store.CompleteManyAsync(completions, CancellationToken.None);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            var unknown = new DependencyUnavailableException(
                "The order could not be recorded; the charge and the stock are being given back.", exception);
            paid.ForEach(saga => Unknown(saga, unknown));
            return;
        }

        var orders = completions.Select(completion => completion.Order).ToList();
        await _reads.OrdersPlacedAsync(orders, cancellationToken);
        foreach (var (saga, order) in paid.Zip(orders))
        {
            var result = new PlacementResult(order, Replayed: false, Failure: null);
            saga.Outcome = () => result;
        }
    }

    /// <summary>One call for the whole batch; null when the dependency did not answer (its orders: unknown).</summary>
    private async Task<IReadOnlyList<T>?> AskForAllAsync<T>(List<Saga> sagas, Func<Task<IReadOnlyList<T>>> call)
    {
        try
        {
            return await call();
        }
        catch (DependencyUnavailableException exception)
        {
            sagas.ForEach(saga => Unknown(saga, exception));
            return null;
        }
    }

    /// <summary>
    /// A step's outcome is unknown (a charge may still land). Stock goes back now, without holding the answer: a
    /// reservation arriving late is refused. Whether money moved is settled by SagaRecovery once every call's budget
    /// has run out.
    /// </summary>
    private void Unknown(Saga saga, DependencyUnavailableException exception)
    {
        _ = _compensation.StartReleasingStock(saga.Order.OrderId);
        var own = new DependencyUnavailableException(exception.Message, exception.InnerException);
        saga.Outcome = () => throw own;
    }

    /// <summary>Runs one order's own step (recording a failure, a release): it settles that order alone.</summary>
    private async Task SettleAsync(Saga saga, Func<Task<PlacementResult>> step)
    {
        try
        {
            var result = await step();
            saga.Outcome = () => result;
        }
        catch (DependencyUnavailableException exception)
        {
            Unknown(saga, exception);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            var captured = ExceptionDispatchInfo.Capture(exception);
            saga.Outcome = () =>
            {
                captured.Throw();
                return null!;
            };
        }
    }

    private async Task<PlacementResult> ReleaseAndFailAsync(Saga saga, OrderFailure failure)
    {
        await _products.ReleaseAsync(saga.Order.OrderId, CancellationToken.None);
        return await FailAsync(saga, failure);
    }

    private async Task<PlacementResult> FailAsync(Saga saga, OrderFailure failure)
    {
        await _failures.SubmitAsync(new RequestFailure(saga.Order.OrderId, failure));
        return new PlacementResult(null, Replayed: false, failure);
    }

    private async Task<PlacementResult> ReplayAsync(
        OrderRequestRecord earlier, Placement again, CancellationToken cancellationToken)
    {
        if (earlier.RequestHash != again.RequestHash)
        {
            return new PlacementResult(null, Replayed: true, Failures.KeyReused);
        }

        return earlier.State switch
        {
            OrderRequestState.Completed => new PlacementResult(
                await _store.GetAsync(earlier.OrderId, cancellationToken), Replayed: true, null),
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

    private sealed record Placement(
        Guid OrderId, Guid UserId, string Key, IReadOnlyList<ReservationItemRequest> Lines, string RequestHash);

    /// <summary>One order on its way through a batch; its outcome is set once, by the step that ends it.</summary>
    private sealed class Saga(Placement order)
    {
        public Placement Order { get; } = order;

        public IReadOnlyList<OrderItem>? Items { get; set; }

        public decimal Total => Items!.Sum(item => item.UnitPrice * item.Quantity);

        public string? Currency { get; set; }

        public PaymentInfo? Payment { get; set; }

        public Func<PlacementResult>? Outcome { get; set; }
    }
}
