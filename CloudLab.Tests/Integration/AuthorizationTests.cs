using CloudLab.Tests.Infrastructure;

namespace CloudLab.Tests.Integration;

[Collection(CloudLabCollection.Name)]
public sealed class AuthorizationTests(CloudLabAppFixture app)
{
    [Fact]
    public async Task A_user_cannot_read_another_users_order_or_payment()
    {
        var alice = await app.RegisterCustomerAsync();
        var bob = await app.RegisterCustomerAsync();
        var productId = await app.CreateProductAsync(price: 4m, stock: 5);
        using var orders = app.Client("orderservice");
        using var payments = app.Client("paymentservice");
        using var placed = await orders.SendAsync(alice.Request(HttpMethod.Post, "/api/orders",
            new { items = new[] { new { productId, quantity = 1 } } }, Guid.NewGuid().ToString()));
        var order = await placed.ReadObjectAsync();
        var orderId = order["id"]!.GetValue<Guid>();
        var paymentId = order["paymentId"]!.GetValue<Guid>();

        using var bobsOrder = await orders.SendAsync(bob.Request(HttpMethod.Get, $"/api/orders/{orderId}"));
        await bobsOrder.AssertProblemAsync(HttpStatusCode.NotFound);
        using var bobsCancel = await orders.SendAsync(bob.Request(HttpMethod.Post, $"/api/orders/{orderId}/cancel"));
        await bobsCancel.AssertProblemAsync(HttpStatusCode.NotFound);
        using var bobsPayment = await payments.SendAsync(bob.Request(HttpMethod.Get, $"/api/payments/{paymentId}"));
        await bobsPayment.AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Empty((await payments.GetObjectAsync($"/api/payments?order_id={orderId}", bob))["items"]!.AsArray());

        Assert.Equal(orderId, (await orders.GetObjectAsync($"/api/orders/{orderId}", alice))["id"]!.GetValue<Guid>());
        Assert.Equal(
            paymentId, (await payments.GetObjectAsync($"/api/payments/{paymentId}", alice))["id"]!.GetValue<Guid>());
        var asAdmin = await orders.GetObjectAsync($"/api/orders/{orderId}", await app.AdminAsync());
        Assert.Equal(orderId, asAdmin["id"]!.GetValue<Guid>());
    }

    [Fact]
    public async Task A_payer_pages_through_only_their_own_payments_of_an_order_with_true_totals()
    {
        var payer = await app.RegisterCustomerAsync();
        var admin = await app.AdminAsync();
        var orderId = Guid.NewGuid();
        using var payments = app.Client("paymentservice");
        // Someone else's two payments are newer than the payer's one: filtered after paging, page 1 of size 1 would
        // have been someone else's payment, dropped, leaving the payer an empty page and a wrong total.
        foreach (var (userId, amount) in new[] { (payer.Id, 1m), (Guid.NewGuid(), 2m), (Guid.NewGuid(), 3m) })
        {
            using var charged = await payments.SendAsync(admin.Request(
                HttpMethod.Post,
                "/api/payments",
                new { orderId, userId, amount, currency = "USD" },
                Guid.NewGuid().ToString()));
            Assert.Equal(HttpStatusCode.Created, charged.StatusCode);
        }

        var mine = await payments.GetObjectAsync($"/api/payments?order_id={orderId}&page=1&page_size=1", payer);
        var all = await payments.GetObjectAsync($"/api/payments?order_id={orderId}&page=1&page_size=1", admin);

        Assert.Equal(1, mine["totalCount"]!.GetValue<int>());
        Assert.Equal(1m, Assert.Single(mine["items"]!.AsArray())!["amount"]!.GetValue<decimal>());
        Assert.Equal(3, all["totalCount"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_customer_cannot_write_products_or_categories_and_an_anonymous_caller_is_asked_to_sign_in()
    {
        var customer = await app.RegisterCustomerAsync();
        using var products = app.Client("productservice");
        var product = new
        {
            name = "Nope",
            categoryId = Guid.NewGuid(),
            price = 1m,
            currency = "USD",
            stock = 1,
            status = "active",
        };

        using var create = await products.SendAsync(customer.Request(HttpMethod.Post, "/api/products", product));
        await create.AssertProblemAsync(HttpStatusCode.Forbidden);
        using var update = await products.SendAsync(
            customer.Request(HttpMethod.Put, $"/api/products/{Guid.NewGuid()}", product));
        await update.AssertProblemAsync(HttpStatusCode.Forbidden);
        using var category = await products.SendAsync(
            customer.Request(HttpMethod.Post, "/api/categories", new { name = "Nope" }));
        await category.AssertProblemAsync(HttpStatusCode.Forbidden);
        using var reserve = await products.SendAsync(customer.Request(HttpMethod.Post, "/api/products/reservations",
            new { orderId = Guid.NewGuid(), items = new[] { new { productId = Guid.NewGuid(), quantity = 1 } } }));
        await reserve.AssertProblemAsync(HttpStatusCode.Forbidden);
        using var anonymous = await products.PostAsJsonAsync("/api/products", product);
        await anonymous.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Users_see_themselves_admins_see_everyone()
    {
        var alice = await app.RegisterCustomerAsync();
        var bob = await app.RegisterCustomerAsync();
        using var users = app.Client("userservice");

        using var peek = await users.SendAsync(alice.Request(HttpMethod.Get, $"/api/users/{bob.Id}"));
        await peek.AssertProblemAsync(HttpStatusCode.NotFound);
        using var list = await users.SendAsync(alice.Request(HttpMethod.Get, "/api/users"));
        await list.AssertProblemAsync(HttpStatusCode.Forbidden);
        var bobSeenByAdmin = await users.GetObjectAsync($"/api/users/{bob.Id}", await app.AdminAsync());
        Assert.Equal(bob.Id, bobSeenByAdmin["id"]!.GetValue<Guid>());

        var newest = (await users.GetObjectAsync("/api/users?page_size=1", await app.AdminAsync()))["items"]![0]!;
        Assert.Equal(bob.Id, newest["id"]!.GetValue<Guid>());
    }

    [Fact]
    public async Task Log_in_failures_do_not_say_which_part_was_wrong()
    {
        var alice = await app.RegisterCustomerAsync();
        using var users = app.Client("userservice");

        using var wrongPassword = await users.PostAsJsonAsync(
            "/api/auth/login", new { email = alice.Email, password = "Not-The-Password-1" });
        using var unknownUser = await users.PostAsJsonAsync(
            "/api/auth/login", new { email = "nobody@example.test", password = "Not-The-Password-1" });

        var first = await wrongPassword.AssertProblemAsync(HttpStatusCode.Unauthorized);
        var second = await unknownUser.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(first["detail"]!.GetValue<string>(), second["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task Registration_rejects_a_taken_email_in_any_case_and_weak_passwords()
    {
        var alice = await app.RegisterCustomerAsync();
        using var users = app.Client("userservice");

        using var taken = await users.PostAsJsonAsync(
            "/api/users",
            new { email = alice.Email.ToUpperInvariant(), password = "Another-Password-1", name = "Copy" });
        await taken.AssertProblemAsync(HttpStatusCode.Conflict);
        using var weak = await users.PostAsJsonAsync(
            "/api/users", new { email = "weak@example.test", password = "onlyletters", name = "Weak" });
        var problem = await weak.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]!["password"]);
    }
}
