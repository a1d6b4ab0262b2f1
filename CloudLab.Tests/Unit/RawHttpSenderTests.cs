using System.Net.Http.Json;
using System.Text;
using CloudLab.LoadTests.Engine;
using CloudLab.LoadTests.Scenarios;

namespace CloudLab.Tests.Unit;

public sealed class RawHttpSenderTests
{
    [Fact]
    public void An_order_request_is_written_with_its_credentials_key_and_json_body()
    {
        var uri = new Uri("http://localhost:5103/api/orders");
        using var request = Sessions.Authorized(HttpMethod.Post, uri, "token-1");
        request.Headers.TryAddWithoutValidation("Idempotency-Key", "key-1");
        request.Content = JsonBody.Create(new { items = new[] { new { productId = Guid.Empty, quantity = 1 } } });

        var text = Encoding.ASCII.GetString(RawHttpSender.Serialize(request, uri));

        const string body = """{"items":[{"productId":"00000000-0000-0000-0000-000000000000","quantity":1}]}""";
        Assert.Equal(
            "POST /api/orders HTTP/1.1\r\nHost: localhost:5103\r\nAuthorization: Bearer token-1\r\n"
                + "Idempotency-Key: key-1\r\nContent-Type: application/json; charset=utf-8\r\n"
                + $"Content-Length: {body.Length}\r\n\r\n{body}",
            text);
    }

    [Fact]
    public async Task A_json_body_is_what_JsonContent_would_send()
    {
        var value = new { email = "a@b.c", amount = 12.5m, orderId = Guid.NewGuid(), items = new[] { 1, 2 } };
        using var expected = JsonContent.Create(value);

        Assert.Equal(await expected.ReadAsByteArrayAsync(), JsonBody.Create(value).Utf8);
    }

    [Fact]
    public void Any_other_body_is_written_whole_with_its_headers_and_length()
    {
        var uri = new Uri("http://localhost:5101/api/auth/login?x=1");
        using var request = new HttpRequestMessage(HttpMethod.Put, uri) { Content = new StringContent("é!") };
        request.Headers.Add("X-Many", ["a", "b"]);

        var text = Encoding.UTF8.GetString(RawHttpSender.Serialize(request, uri));

        Assert.StartsWith("PUT /api/auth/login?x=1 HTTP/1.1\r\nHost: localhost:5101\r\nX-Many: a, b\r\n", text);
        Assert.Contains("Content-Type: text/plain; charset=utf-8\r\n", text, StringComparison.Ordinal);
        Assert.EndsWith("Content-Length: 3\r\n\r\né!", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("0")]
    public void A_process_the_driver_starts_gets_the_socket_setting_the_driver_was_started_with_not_its_own(
        string? startedWith)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet");
        start.Environment[InlineSocketCompletions.Variable] = "1"; // what Enable() leaves in the driver's environment

        InlineSocketCompletions.KeepFrom(start, startedWith);

        start.Environment.TryGetValue(InlineSocketCompletions.Variable, out var value);
        Assert.Equal(startedWith, value);
    }
}
