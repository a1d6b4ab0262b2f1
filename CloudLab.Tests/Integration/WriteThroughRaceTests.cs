using System.Text.Json;
using CloudLab.OrderService.Domain;
using CloudLab.OrderService.Models;
using CloudLab.PaymentService.Domain;
using CloudLab.PaymentService.Models;
using CloudLab.ServiceDefaults.Caching;
using CloudLab.ServiceDefaults.Http;
using CloudLab.Tests.Infrastructure;
using CloudLab.Tests.Unit.Fakes;
using CloudLab.UserService.Data;
using CloudLab.UserService.Domain;
using CloudLab.UserService.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CloudLab.Tests.Integration;

/// <summary>
/// The services' reads and write-throughs on the services' cache and the app's Redis, with their stores in memory: a
/// read misses and reads an entity from the database; before it stores what it read, the entity changes and the change
/// is written through. The read's late store must not leave the old state cached (for the entry's 5 minutes).
/// </summary>
[Collection(CloudLabCollection.Name)]
public sealed class WriteThroughRaceTests(CloudLabAppFixture app)
{
    [Fact]
    public async Task A_read_that_loaded_an_order_before_it_was_cancelled_does_not_leave_it_cached_as_paid()
    {
        using var host = await CacheHostAsync();
        var store = new FakeOrderStore();
        var reads = new OrderReads(store, host.Services.GetRequiredService<ServiceCache>());
        var paid = PaidOrder(Guid.NewGuid());
        store.Orders[paid.Id] = paid;

        // A refund's event cancels the order meanwhile: a test run of 2026-12-01 read it as paid for 20 s after.
        var first = await ReadAcrossChangeAsync(
            store.Reads,
            () => reads.GetAsync(paid.Id, CancellationToken.None).AsTask(),
            async () =>
            {
                var cancelled = paid with { Status = OrderStatus.Cancelled, Version = paid.Version + 1 };
                store.Orders[paid.Id] = cancelled;
                await reads.OrderChangedAsync(cancelled, CancellationToken.None);
            });

        Assert.Equal(OrderStatus.Paid, first!.Status); // the read answers what it read
        Assert.Equal(OrderStatus.Cancelled, (await reads.GetAsync(paid.Id, CancellationToken.None))!.Status);
    }

    [Fact]
    public async Task A_list_read_that_loaded_before_an_order_was_placed_does_not_stay_cached_without_it()
    {
        using var host = await CacheHostAsync();
        var store = new FakeOrderStore();
        var reads = new OrderReads(store, host.Services.GetRequiredService<ServiceCache>());
        var userId = Guid.NewGuid();
        var earlier = PaidOrder(userId);
        store.Orders[earlier.Id] = earlier;
        var page = new PageRequest(1, PageRequest.DefaultPageSize);

        // The owner's list is read while one of their orders is being placed: the list's tag is dropped after the
        // commit, but before the read stores what it read. FusionCache counts the entry as dropped with the tag (no
        // code of ours does it: this passed before any, and fails when the placement drops no tag).
        var first = await ReadAcrossChangeAsync(
            store.Reads,
            () => reads.ListForUserAsync(userId, page, CancellationToken.None).AsTask(),
            async () =>
            {
                var placed = PaidOrder(userId);
                store.Orders[placed.Id] = placed;
                await reads.OrdersPlacedAsync([placed], CancellationToken.None);
            });

        Assert.Single(first.Items);
        Assert.Equal(2, (await reads.ListForUserAsync(userId, page, CancellationToken.None)).Items.Count);
    }

    [Fact]
    public async Task A_read_that_loaded_a_payment_before_it_was_refunded_does_not_leave_it_cached_as_captured()
    {
        using var host = await CacheHostAsync();
        var store = new FakePaymentStore();
        var gateway = new FakePaymentGateway();
        var payments = new PaymentProcessor(store, gateway, host.Services.GetRequiredService<ServiceCache>());
        var captured = new Payment(
            Guid.CreateVersion7(), Guid.NewGuid(), Guid.NewGuid(), 8m, "USD", PaymentStatus.Captured, null,
            DateTime.UtcNow, DateTime.UtcNow, Version: 2);
        store.Payments[captured.Id] = captured;
        gateway.Charges[captured.Id] = new GatewayCharge("ch_test", GatewayOutcome.Captured, null, false);

        // Shipping asks whether the payment is captured: a refunded payment cached as captured would let it ship.
        var first = await ReadAcrossChangeAsync(
            store.Reads,
            () => payments.GetAsync(captured.Id, CancellationToken.None).AsTask(),
            () => payments.RefundAsync(captured, CancellationToken.None));

        Assert.Equal(PaymentStatus.Captured, first!.Status);
        Assert.Equal(PaymentStatus.Refunded, (await payments.GetAsync(captured.Id, CancellationToken.None))!.Status);
    }

    [Fact]
    public async Task A_read_that_loaded_a_profile_before_it_was_renamed_does_not_leave_the_old_name_cached()
    {
        using var host = await CacheHostAsync();
        var store = new InMemoryUserStore();
        var users = new UserDirectory(store, host.Services.GetRequiredService<ServiceCache>());
        var before = new UserProfile(
            Guid.CreateVersion7(), "ada@example.com", "Ada", UserRoles.Customer, new Dictionary<string, string>(),
            DateTime.UtcNow, DateTime.UtcNow);
        store.Users[before.Id] = before;

        var first = await ReadAcrossChangeAsync(
            store.Reads,
            () => users.GetJsonAsync(before.Id, CancellationToken.None).AsTask(),
            () => users.UpdateProfileAsync(
                before.Id, new UpdateProfileRequest("Ada L.", null), CancellationToken.None));

        Assert.Equal("Ada", NameIn(first));
        Assert.Equal("Ada L.", NameIn(await users.GetJsonAsync(before.Id, CancellationToken.None)));
    }

    private static string? NameIn(CachedJson? profile)
    {
        using var document = JsonDocument.Parse(profile!.Utf8Json);
        return document.RootElement.GetProperty("name").GetString();
    }

    private static Order PaidOrder(Guid userId) => new(
        Guid.CreateVersion7(), userId, OrderStatus.Paid, 8m, "USD", [], Guid.NewGuid(),
        DateTime.UtcNow, DateTime.UtcNow);

    /// <summary>
    /// Starts <paramref name="read"/> and holds it between its database read and its store while
    /// <paramref name="change"/> runs; returns what the read answered.
    /// </summary>
    private static async Task<T> ReadAcrossChangeAsync<T>(HeldReads reads, Func<Task<T>> read, Func<Task> change)
    {
        var loaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        reads.AfterRead = async () =>
        {
            loaded.TrySetResult();
            await release.Task;
        };
        var reading = read();
        await loaded.Task.WaitAsync(TimeSpan.FromSeconds(5));
        reads.AfterRead = null;
        await change();
        release.SetResult();
        return await reading.WaitAsync(TimeSpan.FromSeconds(5));
    }

    /// <summary>Profiles in memory; an update raises the version as the users table does.</summary>
    private sealed class InMemoryUserStore : IUserStore
    {
        public Dictionary<Guid, UserProfile> Users { get; } = [];

        public HeldReads Reads { get; } = new();

        public Task<UserProfile?> GetAsync(Guid id, CancellationToken cancellationToken) =>
            Reads.AnswerAsync(Users.GetValueOrDefault(id));

        public Task<UserProfile?> UpdateProfileAsync(
            Guid id, string name, IReadOnlyDictionary<string, string>? preferences, CancellationToken cancellationToken)
        {
            var user = Users[id];
            var updated = user with { Name = name, UpdatedAt = DateTime.UtcNow, Version = user.Version + 1 };
            Users[id] = updated;
            return Task.FromResult<UserProfile?>(updated);
        }

        public Task<PagedResult<UserProfile>> ListAsync(PageRequest page, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public Task<UserProfile?> InsertAsync(
            string email, string passwordHash, string name, string role, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
    }

    private async Task<IHost> CacheHostAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Environment.ApplicationName = $"write-through-{Guid.NewGuid():N}";
        builder.Configuration["ConnectionStrings:redis"] = await app.ConnectionStringAsync("redis");
        builder.AddServiceCache();
        return builder.Build();
    }
}
