using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CloudLab.Tests.Infrastructure;

/// <summary>A signed-in caller: its id and a client per service that sends its token.</summary>
public sealed record Caller(Guid Id, string Email, string Token)
{
    public HttpRequestMessage Request(
        HttpMethod method, string path, object? body = null, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return request;
    }
}

/// <summary>Helpers for driving the real API from tests.</summary>
public static class Api
{
    public static async Task<Caller> RegisterCustomerAsync(this CloudLabAppFixture app)
    {
        var email = $"customer-{Guid.NewGuid():N}@example.test";
        const string password = "Customer-Password-1";
        using var users = app.Client("userservice");
        using var registered = await users.PostAsJsonAsync(
            "/api/users", new { email, password, name = "Test Customer" });
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        var id = (await registered.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<Guid>();
        return new Caller(id, email, await LogInAsync(app, email, password));
    }

    public static async Task<Caller> AdminAsync(this CloudLabAppFixture app)
    {
        var token = await LogInAsync(app, CloudLabAppFixture.AdminEmail, CloudLabAppFixture.AdminPassword);
        var payload = JsonDocument.Parse(Base64UrlDecode(token.Split('.')[1]));
        return new Caller(payload.RootElement.GetProperty("sub").GetGuid(), CloudLabAppFixture.AdminEmail, token);
    }

    public static async Task<string> LogInAsync(CloudLabAppFixture app, string email, string password)
    {
        using var users = app.Client("userservice");
        using var response = await users.PostAsJsonAsync("/api/auth/login", new { email, password });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["accessToken"]!.GetValue<string>();
    }

    /// <summary>
    /// A product of its own (price, stock), so a test's stock arithmetic is not disturbed by other tests.
    /// </summary>
    public static async Task<Guid> CreateProductAsync(
        this CloudLabAppFixture app, decimal price, int stock, string? name = null)
    {
        var admin = await app.AdminAsync();
        using var products = app.Client("productservice");
        var categoryId = (await products.GetFromJsonAsync<JsonArray>("/api/categories"))![0]!["id"]!.GetValue<Guid>();
        using var request = admin.Request(HttpMethod.Post, "/api/products", new
        {
            name = name ?? $"Test product {Guid.NewGuid():N}",
            description = "Made by a test.",
            categoryId,
            price,
            currency = "USD",
            stock,
            status = "active",
        });
        using var response = await products.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<Guid>();
    }

    public static async Task<JsonObject> ReadObjectAsync(this HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonObject>())!;

    public static async Task<JsonObject> GetObjectAsync(this HttpClient client, string path, Caller? caller = null)
    {
        using var request = caller?.Request(HttpMethod.Get, path) ?? new HttpRequestMessage(HttpMethod.Get, path);
        using var response = await client.SendAsync(request);
        Assert.True(
            response.IsSuccessStatusCode,
            $"GET {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.ReadObjectAsync();
    }

    /// <summary>Asserts an RFC 7807 answer with the given status and returns its body.</summary>
    public static async Task<JsonObject> AssertProblemAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(body)!.AsObject();
        Assert.Equal((int)status, problem["status"]!.GetValue<int>());
        return problem;
    }

    public static byte[] Base64UrlDecode(string value)
    {
        var padded = value.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded.PadRight(padded.Length + (4 - padded.Length % 4) % 4, '='));
    }
}
