using System.Text.Json;
using CloudLab.ServiceDefaults.Data;
using CloudLab.ServiceDefaults.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace CloudLab.Tests.Unit;

/// <summary>
/// How GlobalExceptionHandler answers: the right status, an RFC 7807 body, never a 500 for a client's mistake.
/// </summary>
public sealed class ProblemMappingTests
{
    public static TheoryData<Exception, int> Cases => new()
    {
        { new RequestValidationException("page", "bad"), 400 },
        { new BadHttpRequestException("too big", StatusCodes.Status413PayloadTooLarge), 413 },
        { new BadHttpRequestException("bad json", new JsonException("'x' is invalid")), 400 },
        {
            new DatabaseTimeoutException(
                Query.Read("products", "list"), TimeSpan.FromSeconds(10), new TimeoutException()),
            504
        },
        { new DependencyUnavailableException("PaymentService did not answer."), 503 },
        { new ServiceBusyException("busy", TimeSpan.FromSeconds(2)), 503 },
        { new HttpRequestException("connection refused"), 503 },
        { new Polly.RateLimiting.RateLimiterRejectedException(), 503 },
        { new Polly.CircuitBreaker.BrokenCircuitException(), 503 },
        // Behind input validation: what PostgreSQL refuses about a value is the client's, never a 500.
        { new PostgresException("invalid byte sequence for encoding \"UTF8\": 0x00", "ERROR", "ERROR", "22021"), 400 },
        { new PostgresException("value too long for type character(3)", "ERROR", "ERROR", "22001"), 400 },
        { new PostgresException("invalid input syntax for type uuid", "ERROR", "ERROR", "22P02"), 400 },
        { new PostgresException("numeric field overflow", "ERROR", "ERROR", "22003"), 400 },
        { new PostgresException("null value in column", "ERROR", "ERROR", "23502"), 400 },
        { new PostgresException("duplicate key value", "ERROR", "ERROR", "23505"), 409 },
        { new System.Text.EncoderFallbackException("lone surrogate"), 400 },
        { new PostgresException("relation does not exist", "ERROR", "ERROR", "42P01"), 500 },
        { new InvalidOperationException("a bug"), 500 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Exceptions_become_problems_with_the_right_status(Exception exception, int status)
    {
        var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services, Response = { Body = new MemoryStream() } };
        var handler = new GlobalExceptionHandler(
            services.GetRequiredService<IProblemDetailsService>(), NullLogger<GlobalExceptionHandler>.Instance);

        Assert.True(await handler.TryHandleAsync(context, exception, CancellationToken.None));

        Assert.Equal(status, context.Response.StatusCode);
        context.Response.Body.Position = 0;
        var problem = await JsonDocument.ParseAsync(context.Response.Body);
        Assert.Equal(status, problem.RootElement.GetProperty("status").GetInt32());
        if (exception is ServiceBusyException)
        {
            Assert.Equal("2", context.Response.Headers.RetryAfter.ToString());
        }

        if (status == 413)
        {
            Assert.Contains("10 MB", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }
}
