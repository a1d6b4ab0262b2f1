using CloudLab.Contracts;
using CloudLab.OrderService.Domain;
using CloudLab.OrderService.Models;
using CloudLab.ServiceDefaults.Http;
using CloudLab.Tests.Infrastructure;
using CloudLab.Tests.Unit.Fakes;

namespace CloudLab.Tests.Unit;

/// <summary>The order saga's decisions, with fakes for the store, ProductService and PaymentService.</summary>
public sealed class OrderPlacementTests : IDisposable
{
    private readonly OrderSagaHarness _saga = new();
    private readonly Guid _user = Guid.NewGuid();

    public void Dispose() => _saga.Dispose();

    [Fact]
    public async Task A_placed_order_is_paid_priced_at_reservation_and_announced_with_its_commit()
    {
        var lamp = _saga.Products.AddProduct(price: 12.50m, stock: 5);

        var result = await PlaceAsync("k1", (lamp, 2));

        var order = Assert.IsType<Order>(result.Order);
        Assert.Null(result.Failure);
        Assert.Equal(OrderStatus.Paid, order.Status);
        Assert.Equal(25.00m, order.Total);
        Assert.Equal(3, _saga.Products.Products[lamp].Stock);
        Assert.Single(_saga.Payments.Captured);
        Assert.Equal(OrderRequestState.Completed, _saga.Store.RequestFor(order.Id).State);
        var placed = Assert.Single(_saga.Store.Events);
        Assert.Equal(EventTypes.OrderPlaced, placed.Type);
        Assert.Contains(order.Id.ToString(), placed.Payload, StringComparison.Ordinal);
    }

    /// <summary>
    /// While ProductService is slow to answer, the 503 of an order whose payment outcome is unknown goes out at once:
    /// it does not wait for the stock release too (a request held for one more call budget keeps its in-flight slot).
    /// </summary>
    [Fact]
    public async Task An_unknown_outcome_is_answered_without_waiting_for_the_stock_release()
    {
        var lamp = _saga.Products.AddProduct(price: 10m, stock: 3);
        _saga.Payments.NextCharge = "lost";
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _saga.Products.HoldReleases = hold;

        var placing = PlaceAsync("k1", (lamp, 1));
        var first = await Task.WhenAny(placing, Task.Delay(TimeSpan.FromSeconds(30)));

        Assert.Same(placing, first);
        await Assert.ThrowsAsync<DependencyUnavailableException>(() => placing);
        Assert.Equal(2, _saga.Products.Products[lamp].Stock); // the release is still waiting on ProductService
        hold.SetResult();
        await StockReleasedAsync(lamp, 3);
    }

    [Fact]
    public async Task Short_stock_fails_with_422_and_charges_nothing()
    {
        var lamp = _saga.Products.AddProduct(price: 10m, stock: 1);

        var result = await PlaceAsync("k1", (lamp, 2));

        Assert.Equal(422, result.Failure?.Status);
        Assert.Empty(_saga.Payments.Payments);
        Assert.Empty(_saga.Store.Orders);
        Assert.Equal(OrderRequestState.Failed, Assert.Single(_saga.Store.Requests.Values).State);
    }

    [Fact]
    public async Task A_decline_fails_with_402_and_gives_the_stock_back()
    {
        var lamp = _saga.Products.AddProduct(price: 10m, stock: 3);
        _saga.Payments.NextCharge = "declined";

        var result = await PlaceAsync("k1", (lamp, 2));

        Assert.Equal(402, result.Failure?.Status);
        Assert.Equal(3, _saga.Products.Products[lamp].Stock);
        Assert.Empty(_saga.Store.Orders);
        Assert.Empty(_saga.Store.Events);
    }

    [Fact]
    public async Task An_unknown_payment_outcome_gives_the_stock_back_at_once_and_leaves_the_money_to_recovery()
    {
        var lamp = _saga.Products.AddProduct(price: 10m, stock: 3);
        _saga.Payments.NextCharge = "lost"; // charged, but the answer is lost

        await Assert.ThrowsAsync<DependencyUnavailableException>(() => PlaceAsync("k1", (lamp, 1)));

        await StockReleasedAsync(lamp, 3);
        var request = Assert.Single(_saga.Store.Requests.Values);
        Assert.Equal(OrderRequestState.Started, request.State);
        Assert.Single(_saga.Payments.Captured); // the charge landed: SagaRecovery must refund it

        await _saga.SagaRecovery.SweepAsync(CancellationToken.None);

        Assert.Empty(_saga.Payments.Captured);
        Assert.Equal(OrderRequestState.Failed, request.State);
        Assert.Empty(_saga.Store.Orders);
    }

    [Fact]
    public async Task A_failed_commit_is_reported_unavailable_and_recovery_refunds_the_charge()
    {
        var lamp = _saga.Products.AddProduct(price: 10m, stock: 3);
        _saga.Store.FailNextWrite = new InvalidOperationException("the database went away");

        await Assert.ThrowsAsync<DependencyUnavailableException>(() => PlaceAsync("k1", (lamp, 1)));
        await _saga.SagaRecovery.SweepAsync(CancellationToken.None);

        Assert.Empty(_saga.Payments.Captured);
        Assert.Equal(3, _saga.Products.Products[lamp].Stock);
    }

    [Fact]
    public async Task Recovery_waits_while_a_payment_is_pending_or_a_dependency_is_down()
    {
        var lamp = _saga.Products.AddProduct(price: 10m, stock: 3);
        _saga.Payments.NextCharge = "lost";
        await Assert.ThrowsAsync<DependencyUnavailableException>(() => PlaceAsync("k1", (lamp, 1)));
        var request = Assert.Single(_saga.Store.Requests.Values);

        _saga.Payments.Down = true;
        await _saga.SagaRecovery.SweepAsync(CancellationToken.None);
        Assert.Equal(OrderRequestState.Started, request.State);

        _saga.Payments.Down = false;
        var payment = Assert.Single(_saga.Payments.Payments.Values);
        _saga.Payments.Payments[payment.Id] = payment with { Status = RemotePaymentStatus.Pending };
        await _saga.SagaRecovery.SweepAsync(CancellationToken.None);
        Assert.Equal(OrderRequestState.Started, request.State);
    }

    [Fact]
    public async Task The_same_key_replays_the_order_and_a_different_body_under_it_is_refused()
    {
        var lamp = _saga.Products.AddProduct(price: 10m, stock: 5);
        var first = await PlaceAsync("k1", (lamp, 1));

        var again = await PlaceAsync("k1", (lamp, 1));
        var other = await PlaceAsync("k1", (lamp, 2));

        Assert.True(again.Replayed);
        Assert.Equal(first.Order!.Id, again.Order!.Id);
        Assert.Single(_saga.Payments.Payments);
        Assert.Equal(422, other.Failure?.Status);
        Assert.Equal(Failures.KeyReused.Title, other.Failure?.Title);
    }

    [Fact]
    public async Task Mixed_currencies_release_the_stock_and_fail_with_422()
    {
        var lamp = _saga.Products.AddProduct(price: 10m, stock: 5, currency: "USD");
        var chair = _saga.Products.AddProduct(price: 10m, stock: 5, currency: "EUR");

        var result = await PlaceAsync("k1", (lamp, 1), (chair, 1));

        Assert.Equal(Failures.MixedCurrencies, result.Failure);
        Assert.Equal(5, _saga.Products.Products[lamp].Stock);
        Assert.Empty(_saga.Payments.Payments);
    }

    /// <summary>
    /// Orders that wait together go through every step together: one claim, one reservation call, one charge call and
    /// one commit for the batch, and each order gets its own outcome. With a queue per step, each step's loop made
    /// batches of its own (more, smaller ones for the quick steps), and an order waited in every queue.
    /// </summary>
    [Fact]
    public async Task Orders_waiting_together_take_each_step_in_one_call_with_their_own_outcomes()
    {
        var lamp = _saga.Products.AddProduct(price: 10m, stock: 100);
        var scarce = _saga.Products.AddProduct(price: 10m, stock: 0);
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _saga.Products.HoldReservations = hold;

        // Every batching loop gets an order held at its reservation; the orders after those wait for a loop together.
        var placing = Enumerable.Range(0, 20).Select(i => PlaceAsync($"k{i}", (i == 7 ? scarce : lamp, 1))).ToList();
        await Task.Delay(200);
        hold.SetResult();
        var results = await Task.WhenAll(placing).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(19, results.Count(result => result.Order is not null));
        Assert.Equal(422, results[7].Failure?.Status);
        Assert.Equal(81, _saga.Products.Products[lamp].Stock);
        var claims = _saga.Store.ClaimBatches.Order().ToList();
        Assert.True(claims.Count < 20, $"claims in {claims.Count} calls");
        Assert.Equal(claims, _saga.Products.ReserveBatches.Order());
        Assert.Equal(20, _saga.Products.ReserveBatches.Sum());
        Assert.Equal(19, _saga.Payments.ChargeBatches.Sum());
        Assert.Equal(19, _saga.Store.CommitBatches.Sum());
        Assert.Equal(_saga.Payments.ChargeBatches.Count, _saga.Store.CommitBatches.Count);
        Assert.True(_saga.Payments.ChargeBatches.Count <= claims.Count);
    }

    /// <summary>
    /// The failures of orders that fail together are recorded in one statement: one each took a connection apiece, and
    /// after a PostgreSQL freeze the orders held through it failed by the dozen at once and emptied the pool.
    /// </summary>
    [Fact]
    public async Task Orders_that_fail_together_are_recorded_together_and_each_replays_its_failure()
    {
        var scarce = _saga.Products.AddProduct(price: 10m, stock: 0);
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _saga.Products.HoldReservations = hold;

        var placing = Enumerable.Range(0, 20).Select(i => PlaceAsync($"k{i}", (scarce, 1))).ToList();
        await Task.Delay(200);
        hold.SetResult();
        var results = await Task.WhenAll(placing).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.All(results, result => Assert.Equal(422, result.Failure?.Status));
        Assert.Equal(20, _saga.Store.FailBatches.Sum());
        // One statement per failure would be 20. The first failure of a batch can go alone and the rest together.
        Assert.True(
            _saga.Store.FailBatches.Count <= 10,
            $"20 failures in {_saga.Store.FailBatches.Count} statements ({_saga.Store.ClaimBatches.Count} claims)");
        var replay = await PlaceAsync("k3", (scarce, 1));
        Assert.True(replay.Replayed);
        Assert.Equal(422, replay.Failure?.Status);
    }

    [Fact]
    public async Task No_more_placement_batches_run_at_once_than_Placement_ConcurrentBatches_allows()
    {
        using var saga = new OrderSagaHarness(concurrentBatches: 2);
        var lamp = saga.Products.AddProduct(price: 10m, stock: 10);
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        saga.Products.HoldReservations = hold;
        Task<PlacementResult> Place(string key) => saga.Placement.PlaceAsync(
            _user, new IdempotencyKey(key), new PlaceOrderRequest([new OrderLineRequest(lamp, 1)]),
            CancellationToken.None);

        // One at a time, each after the one before is held at its reservation: a free loop would take it at once.
        var placing = new List<Task<PlacementResult>>();
        foreach (var key in new[] { "k1", "k2", "k3" })
        {
            var held = saga.Products.ReservationsHeld;
            placing.Add(Place(key));
            await Eventually.GetAsync<int?>(
                () => Task.FromResult<int?>(saga.Products.ReservationsHeld > held ? 1 : null), TimeSpan.FromSeconds(1));
        }

        Assert.Equal(2, saga.Products.ReservationsHeld); // the third order waits for one of the two loops
        hold.SetResult();
        var results = await Task.WhenAll(placing).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.All(results, result => Assert.NotNull(result.Order));
        Assert.Equal([1, 1, 1], saga.Products.ReserveBatches.ToArray());
    }

    private Task<PlacementResult> PlaceAsync(string key, params (Guid Product, int Quantity)[] lines) =>
        _saga.Placement.PlaceAsync(
            _user,
            new IdempotencyKey(key),
            new PlaceOrderRequest(lines.Select(line => new OrderLineRequest(line.Product, line.Quantity)).ToList()),
            CancellationToken.None);

    private async Task StockReleasedAsync(Guid product, int expected) =>
        Assert.Equal(expected, await Eventually.GetAsync<int?>(() => Task.FromResult<int?>(
            _saga.Products.Products[product].Stock == expected ? expected : null)));
}
