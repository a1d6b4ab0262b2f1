using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace CloudLab.LoadTests.Scenarios;

/// <summary>Signed-in load-test customers (seeded with <c>Seed:LoadTestUsers</c>) and the admin.</summary>
public sealed class Sessions(IReadOnlyList<string> customerTokens, string adminToken)
{
    private static readonly ConcurrentDictionary<string, string> BearerValues = new(StringComparer.Ordinal);

    public string AdminToken => adminToken;

    public int Count => customerTokens.Count;

    /// <summary>The token of customer <paramref name="index"/> (0-based), to act as the same customer again.</summary>
    public string Customer(int index) => customerTokens[index];

    public string RandomCustomer() => customerTokens[Random.Shared.Next(customerTokens.Count)];

    public static async Task<Sessions> SignInAsync(HttpClient users, int customers, CancellationToken cancellationToken)
    {
        using var throttle = new SemaphoreSlim(8);
        var tokens = await Task.WhenAll(Enumerable.Range(1, customers).Select(async number =>
        {
            await throttle.WaitAsync(cancellationToken);
            try
            {
                return await LogInAsync(
                    users, SeedData.LoadTestEmail(number), SeedData.LoadTestPassword, cancellationToken);
            }
            finally
            {
                throttle.Release();
            }
        }));
        return new Sessions(
            tokens, await LogInAsync(users, SeedData.AdminEmail, SeedData.AdminPassword, cancellationToken));
    }

    /// <summary>
    /// A request with the token as its bearer credentials. The header value is made once per token (a few hundred
    /// tokens per run) and added unvalidated, so the raw sender writes it as it is instead of formatting a parsed
    /// value for every request.
    /// </summary>
    public static HttpRequestMessage Authorized(HttpMethod method, Uri uri, string token)
    {
        var request = new HttpRequestMessage(method, uri);
        request.Headers.TryAddWithoutValidation("Authorization", BearerValues.GetOrAdd(token, key => $"Bearer {key}"));
        return request;
    }

    private static async Task<string> LogInAsync(
        HttpClient users, string email, string password, CancellationToken cancellationToken)
    {
        using var response = await users.PostAsJsonAsync("/api/auth/login", new { email, password }, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException(
                $"Log-in of {email} answered {(int)response.StatusCode}. "
                    + "Start the app with --ServiceSettings:Seed:LoadTestUsers=N (see README, Performance).");
        }

        var body = await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken);
        return body!["accessToken"]!.GetValue<string>();
    }
}
