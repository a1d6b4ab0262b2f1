using System.Collections.Concurrent;
using CloudLab.OrderService.Domain;
using CloudLab.OrderService.Models;
using CloudLab.ServiceDefaults.Http;

namespace CloudLab.Tests.Unit.Fakes;

/// <summary>
/// ProductService as the saga sees it: a price per product, stock per product, and a switch to take it down.
/// </summary>
internal sealed class FakeProductReservations : IProductReservations
{
    public ConcurrentDictionary<Guid, (decimal Price, string Currency, int Stock)> Products { get; } = new();
    public ConcurrentDictionary<Guid, ReservationRequest> Reserved { get; } = new();
    public ConcurrentQueue<Guid> Released { get; } = new();
    public bool Down { get; set; }

    public Guid AddProduct(decimal price, int stock, string currency = "USD")
    {
        var id = Guid.NewGuid();
        Products[id] = (price, currency, stock);
        return id;
    }

    /// <summary>The number of orders in each reservation call, in call order.</summary>
    public ConcurrentQueue<int> ReserveBatches { get; } = new();

    /// <summary>While set and not completed, reservation calls wait for it.</summary>
    public TaskCompletionSource? HoldReservations { get; set; }

    /// <summary>The reservation calls waiting for <see cref="HoldReservations"/> now.</summary>
    public int ReservationsHeld => Volatile.Read(ref _reservationsHeld);

    private int _reservationsHeld;

    public async Task<IReadOnlyList<ReserveResult>> ReserveManyAsync(
        IReadOnlyList<ReservationRequest> orders, CancellationToken cancellationToken)
    {
        if (HoldReservations is { } hold)
        {
            Interlocked.Increment(ref _reservationsHeld);
            try
            {
                await hold.Task.WaitAsync(cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _reservationsHeld);
            }
        }

        ThrowIfDown();
        ReserveBatches.Enqueue(orders.Count);
        lock (Products)
        {
            return orders.Select(Reserve).ToList(); // one transaction in ProductService: batches do not interleave
        }
    }

    private ReserveResult Reserve(ReservationRequest request)
    {
        var shortItems = request.Items
            .Where(item => !Products.TryGetValue(item.ProductId, out var product) || product.Stock < item.Quantity)
            .Select(item => new ShortItem(item.ProductId, item.Quantity, 0, "insufficient_stock"))
            .ToList();
        if (shortItems.Count > 0)
        {
            return new ReserveResult(null, shortItems);
        }

        foreach (var item in request.Items)
        {
            var product = Products[item.ProductId];
            Products[item.ProductId] = product with { Stock = product.Stock - item.Quantity };
        }

        Reserved[request.OrderId] = request;
        var lines = request.Items
            .Select(item => new ReservationLine(
                item.ProductId, item.Quantity, Products[item.ProductId].Price, Products[item.ProductId].Currency))
            .ToList();
        return new ReserveResult(new ReservationResponse(request.OrderId, "reserved", lines), []);
    }

    /// <summary>While set and not completed, releases wait for it (a ProductService that is slow to answer).</summary>
    public TaskCompletionSource? HoldReleases { get; set; }

    public async Task ReleaseAsync(Guid orderId, CancellationToken cancellationToken)
    {
        if (HoldReleases is { } hold)
        {
            await hold.Task.WaitAsync(cancellationToken);
        }

        ThrowIfDown();
        lock (Products)
        {
            if (Reserved.TryRemove(orderId, out var request))
            {
                foreach (var item in request.Items)
                {
                    var product = Products[item.ProductId];
                    Products[item.ProductId] = product with { Stock = product.Stock + item.Quantity };
                }
            }
        }

        Released.Enqueue(orderId);
    }

    private void ThrowIfDown()
    {
        if (Down)
        {
            throw new DependencyUnavailableException("ProductService did not answer.");
        }
    }
}

/// <summary>PaymentService as the saga sees it: what the next charge does, and the payments it holds.</summary>
internal sealed class FakePayments : IPayments
{
    private int _refundCalls;

    public ConcurrentDictionary<Guid, PaymentInfo> Payments { get; } = new();

    /// <summary>captured, declined, or lost (the charge lands but the answer never comes back).</summary>
    public string NextCharge { get; set; } = "captured";
    public bool Down { get; set; }

    /// <summary>The number of charges in each charge call, in call order.</summary>
    public ConcurrentQueue<int> ChargeBatches { get; } = new();

    public Task<IReadOnlyList<Func<PaymentInfo>>> ChargeManyAsync(
        IReadOnlyList<ChargeRequest> charges, CancellationToken cancellationToken)
    {
        ThrowIfDown();
        ChargeBatches.Enqueue(charges.Count);
        return Task.FromResult<IReadOnlyList<Func<PaymentInfo>>>(charges.Select(Charge).ToList());
    }

    private Func<PaymentInfo> Charge(ChargeRequest charge)
    {
        var payment = new PaymentInfo(
            Guid.NewGuid(), charge.OrderId, charge.Amount, charge.Currency,
            NextCharge == "declined" ? "declined" : RemotePaymentStatus.Captured,
            NextCharge == "declined" ? "card_declined" : null);
        Payments[payment.Id] = payment;
        return NextCharge == "lost"
            ? () => throw new DependencyUnavailableException("PaymentService did not answer.")
            : () => payment;
    }

    public Task<IReadOnlyList<PaymentInfo>> ForOrderAsync(Guid orderId, CancellationToken cancellationToken)
    {
        ThrowIfDown();
        return Task.FromResult<IReadOnlyList<PaymentInfo>>(
            Payments.Values.Where(payment => payment.OrderId == orderId).ToList());
    }

    public Task<PaymentInfo?> GetAsync(Guid paymentId, CancellationToken cancellationToken)
    {
        ThrowIfDown();
        return Task.FromResult(Payments.GetValueOrDefault(paymentId));
    }

    /// <summary>A refund made in PaymentService itself (by an admin), not asked for by OrderService.</summary>
    public PaymentInfo RefundDirectly(Guid paymentId) =>
        Payments[paymentId] = Payments[paymentId] with { Status = RemotePaymentStatus.Refunded };

    public Task<bool> RefundAsync(Guid paymentId, CancellationToken cancellationToken)
    {
        ThrowIfDown();
        Interlocked.Increment(ref _refundCalls);
        if (!Payments.TryGetValue(paymentId, out var payment)
            || payment.Status is not (RemotePaymentStatus.Captured or RemotePaymentStatus.Refunded))
        {
            return Task.FromResult(false);
        }

        Payments[paymentId] = payment with { Status = RemotePaymentStatus.Refunded };
        return Task.FromResult(true);
    }

    /// <summary>How often OrderService asked for a refund.</summary>
    public int RefundCalls => _refundCalls;

    public IEnumerable<PaymentInfo> Captured =>
        Payments.Values.Where(payment => payment.Status == RemotePaymentStatus.Captured);

    private void ThrowIfDown()
    {
        if (Down)
        {
            throw new DependencyUnavailableException("PaymentService did not answer.");
        }
    }
}
