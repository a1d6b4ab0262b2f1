using System.Collections.Concurrent;
using CloudLab.OrderService.Data;
using CloudLab.OrderService.Models;
using CloudLab.ServiceDefaults.Http;
using CloudLab.ServiceDefaults.Messaging;

namespace CloudLab.Tests.Unit.Fakes;

/// <summary>IOrderStore in memory, with what a test wants to see: requests, orders, events and the due flags.</summary>
internal sealed class FakeOrderStore : IOrderStore
{
    public ConcurrentDictionary<Guid, Order> Orders { get; } = new();
    public ConcurrentDictionary<(Guid User, string Key), Request> Requests { get; } = new();
    public ConcurrentQueue<OutboxEvent> Events { get; } = new();
    public ConcurrentDictionary<Guid, bool> CompensationDue { get; } = new();
    public ConcurrentDictionary<Guid, bool> PaymentRefunded { get; } = new();

    /// <summary>The number of orders in each claim statement and in each commit, in call order.</summary>
    public ConcurrentQueue<int> ClaimBatches { get; } = new();
    public ConcurrentQueue<int> CommitBatches { get; } = new();

    /// <summary>The number of failed requests recorded by each failure statement, in call order.</summary>
    public ConcurrentQueue<int> FailBatches { get; } = new();

    /// <summary>When set, the next transition answers as if the database were unreachable.</summary>
    public Exception? FailNextWrite { get; set; }

    public Request RequestFor(Guid orderId) => Requests.Values.Single(request => request.OrderId == orderId);

    /// <summary>Reads (of one order, of a user's list) a test can hold before they answer.</summary>
    public HeldReads Reads { get; } = new();

    public Task<Order?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        Reads.AnswerAsync(Orders.GetValueOrDefault(id));

    public Task<PagedResult<Order>> ListForUserAsync(Guid userId, PageRequest page, CancellationToken cancellationToken)
    {
        var mine = Orders.Values.Where(order => order.UserId == userId).ToList();
        return Reads.AnswerAsync(PagedResult.Create(page, mine, mine.Count));
    }

    public Task<IReadOnlyList<OrderRequestRecord?>> ClaimRequestsAsync(
        IReadOnlyList<RequestClaim> claims, CancellationToken cancellationToken)
    {
        ClaimBatches.Enqueue(claims.Count);
        return Task.FromResult<IReadOnlyList<OrderRequestRecord?>>(claims.Select(claim =>
        {
            var request = new Request(claim.OrderId, claim.RequestHash);
            var held = Requests.GetOrAdd((claim.UserId, claim.Key), request);
            return ReferenceEquals(held, request)
                ? null
                : new OrderRequestRecord(held.OrderId, held.Hash, held.State, held.Failure, DateTime.UtcNow);
        }).ToList());
    }

    public Task CompleteManyAsync(IReadOnlyList<OrderCompletion> completions, CancellationToken cancellationToken)
    {
        ThrowIfFailing();
        CommitBatches.Enqueue(completions.Count);
        foreach (var (order, placed) in completions)
        {
            Orders[order.Id] = order;
            Events.Enqueue(placed);
            RequestFor(order.Id).State = OrderRequestState.Completed;
        }

        return Task.CompletedTask;
    }

    public Task FailRequestsAsync(IReadOnlyList<RequestFailure> failures, CancellationToken cancellationToken)
    {
        FailBatches.Enqueue(failures.Count);
        foreach (var (orderId, failure) in failures)
        {
            var request = RequestFor(orderId);
            if (request.State == OrderRequestState.Started)
            {
                request.State = OrderRequestState.Failed;
                request.Failure = System.Text.Json.JsonSerializer.Serialize(
                    failure, OrderJsonContext.Default.OrderFailure);
            }
        }

        return Task.CompletedTask;
    }

    public Task<(Order? Order, string? Status)> TransitionAsync(
        Guid id, OrderTransition transition, CancellationToken cancellationToken)
    {
        ThrowIfFailing();
        if (!Orders.TryGetValue(id, out var current) || !transition.From.Contains(current.Status))
        {
            return Task.FromResult<(Order?, string?)>((null, current?.Status));
        }

        var moved = Apply(current, transition);
        return Task.FromResult<(Order?, string?)>((moved, moved.Status));
    }

    public Task<IReadOnlyList<Order>> TransitionManyAsync(
        IReadOnlyCollection<Guid> ids, Func<Order, OrderTransition?> decide, CancellationToken cancellationToken)
    {
        ThrowIfFailing();
        var moved = ids.Distinct()
            .Select(id => Orders.GetValueOrDefault(id))
            .OfType<Order>()
            .Select(order => (Order: order, Transition: decide(order)))
            .Where(move => move.Transition is { } transition && transition.From.Contains(move.Order.Status))
            .Select(move => Apply(move.Order, move.Transition!))
            .ToList();
        return Task.FromResult<IReadOnlyList<Order>>(moved);
    }

    private Order Apply(Order current, OrderTransition transition)
    {
        var moved = current with { Status = transition.To, UpdatedAt = DateTime.UtcNow, Version = current.Version + 1 };
        Orders[current.Id] = moved;
        CompensationDue[current.Id] = transition.CompensationDue;
        PaymentRefunded[current.Id] = PaymentRefunded.GetValueOrDefault(current.Id) || transition.PaymentRefunded;
        if (transition.Event is { } announcement)
        {
            Events.Enqueue(announcement);
        }

        return moved;
    }

    public Task<IReadOnlyList<Guid>> StalledRequestsAsync(TimeSpan olderThan, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<Guid>>(
            Requests.Values
                .Where(request => request.State == OrderRequestState.Started)
                .Select(request => request.OrderId)
                .ToList());

    public Task<IReadOnlyList<DueCompensation>> CompensationDueAsync(
        TimeSpan olderThan, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<DueCompensation>>(CompensationDue
            .Where(entry => entry.Value)
            .Select(entry => new DueCompensation(
                Orders[entry.Key], RefundDue: !PaymentRefunded.GetValueOrDefault(entry.Key)))
            .ToList());

    public Task CompensationDoneAsync(Guid id, CancellationToken cancellationToken)
    {
        CompensationDue[id] = false;
        return Task.CompletedTask;
    }

    private void ThrowIfFailing()
    {
        if (FailNextWrite is { } failure)
        {
            FailNextWrite = null;
            throw failure;
        }
    }

    internal sealed class Request(Guid orderId, string hash)
    {
        public Guid OrderId { get; } = orderId;
        public string Hash { get; } = hash;
        public string State { get; set; } = OrderRequestState.Started;
        public string? Failure { get; set; }
    }
}
