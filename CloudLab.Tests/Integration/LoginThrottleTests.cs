using CloudLab.Tests.Infrastructure;

namespace CloudLab.Tests.Integration;

/// <summary>Per-account log-in limits, across both UserService replicas (they share the counts in Redis).</summary>
[Collection(CloudLabCollection.Name)]
public sealed class LoginThrottleTests(CloudLabAppFixture app)
{
    [Fact]
    public async Task Repeated_wrong_passwords_lock_the_account_even_for_the_right_one_and_no_other_account()
    {
        var target = await app.RegisterCustomerAsync();
        var bystander = await app.RegisterCustomerAsync();
        using var users = app.Client("userservice");

        for (var attempt = 0; attempt < 5; attempt++)
        {
            using var wrong = await users.PostAsJsonAsync(
                "/api/auth/login", new { email = target.Email, password = $"Wrong-Password-{attempt}" });
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using var locked = await users.PostAsJsonAsync(
            "/api/auth/login", new { email = target.Email.ToUpperInvariant(), password = "Customer-Password-1" });
        var problem = await locked.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.True(locked.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.True(problem["retryAfterSeconds"]!.GetValue<int>() >= 1);
        Assert.False(string.IsNullOrEmpty(await Api.LogInAsync(app, bystander.Email, "Customer-Password-1")));
    }
}
