using System.Text.Json;
using CloudLab.ServiceDefaults.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CloudLab.Tests.Unit;

/// <summary>
/// An error status left without a body gets an RFC 7807 one (plain text for a client that accepts no JSON); answers
/// with a body of their own, and successes, pass untouched, whether the request completed at once or later.
/// </summary>
public sealed class StatusCodeProblemsMiddlewareTests
{
    [Theory]
    [InlineData(StatusCodes.Status401Unauthorized, false)]
    [InlineData(StatusCodes.Status404NotFound, true)]
    [InlineData(StatusCodes.Status405MethodNotAllowed, false)]
    [InlineData(StatusCodes.Status503ServiceUnavailable, true)]
    public async Task An_empty_error_answer_gets_a_problem_body(int status, bool completesLater)
    {
        var context = Context();

        await Run(context, status, completesLater);

        Assert.Equal(status, context.Response.StatusCode);
        Assert.StartsWith("application/problem+json", context.Response.ContentType, StringComparison.Ordinal);
        var problem = await Body(context);
        Assert.Equal(status, JsonDocument.Parse(problem).RootElement.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task A_client_that_accepts_no_json_gets_the_status_as_text()
    {
        var context = Context();
        context.Request.Headers.Accept = "text/html";

        await Run(context, StatusCodes.Status404NotFound, completesLater: false);

        Assert.Equal("text/plain", context.Response.ContentType);
        Assert.Equal("Status Code: 404; Not Found", await Body(context));
    }

    [Theory]
    [InlineData(StatusCodes.Status200OK, false)]
    [InlineData(StatusCodes.Status304NotModified, true)]
    [InlineData(StatusCodes.Status404NotFound, false)]
    [InlineData(StatusCodes.Status409Conflict, true)]
    public async Task An_answer_with_its_own_body_or_a_success_is_left_as_it_is(int status, bool completesLater)
    {
        var context = Context();

        await Run(context, status, completesLater, ownBody: status >= 400);

        Assert.Equal(status, context.Response.StatusCode);
        Assert.Equal(status >= 400 ? "own body" : string.Empty, await Body(context));
    }

    private static DefaultHttpContext Context()
    {
        var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        return new DefaultHttpContext { RequestServices = services, Response = { Body = new MemoryStream() } };
    }

    private static async Task Run(HttpContext context, int status, bool completesLater, bool ownBody = false)
    {
        var middleware = new StatusCodeProblemsMiddleware(
            async http =>
            {
                if (completesLater)
                {
                    await Task.Yield();
                }

                http.Response.StatusCode = status;
                if (ownBody)
                {
                    http.Response.ContentType = "text/plain";
                    await http.Response.WriteAsync("own body");
                }
            },
            context.RequestServices.GetRequiredService<IProblemDetailsService>());
        await middleware.InvokeAsync(context);
    }

    private static async Task<string> Body(HttpContext context)
    {
        context.Response.Body.Position = 0;
        return await new StreamReader(context.Response.Body).ReadToEndAsync();
    }
}
