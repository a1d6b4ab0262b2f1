using System.Text.Json;
using CloudLab.ServiceDefaults.Http;
using CloudLab.ServiceDefaults.Http.Input;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CloudLab.Tests.Unit;

/// <summary>
/// Query strings are checked whole before any endpoint sees them, and a JSON body in an encoding other than UTF-8 is
/// refused 415 instead of failing in the body reader.
/// </summary>
public sealed class RequestTextMiddlewareTests
{
    [Theory]
    [InlineData("?q=smart%00phone", "q")]
    [InlineData("?page=1&status=%01active", "status")]
    [InlineData("?name=a%C2%85b", "name")]
    [InlineData("?a%00b=1", "query")]
    public async Task A_query_value_or_key_with_a_control_character_is_refused_naming_it(string query, string field)
    {
        var context = Context(query, contentType: null);

        var refused = await Assert.ThrowsAsync<RequestValidationException>(() => Run(context, out _));

        Assert.Equal([field], refused.Errors.Keys);
    }

    [Theory]
    [InlineData("?q=smart&page=2", null)]
    [InlineData("?q=%27%3B%20DROP%20TABLE%20x%3B--", "application/json")]
    [InlineData("", "application/json; charset=utf-8")]
    [InlineData("", "application/json; charset=\"UTF-8\"")]
    [InlineData("", "application/problem+json; charset=utf8")]
    [InlineData("", "text/plain; charset=klingon")]
    public async Task Acceptable_requests_go_on(string query, string? contentType)
    {
        var context = Context(query, contentType);

        await Run(context, out var reachedNext);

        Assert.True(reachedNext());
    }

    [Theory]
    [InlineData("application/json; charset=klingon")]
    [InlineData("application/json; charset=utf-16")]
    [InlineData("application/merge-patch+json; charset=latin1")]
    public async Task A_json_body_declared_in_another_charset_is_refused_415(string contentType)
    {
        var context = Context(string.Empty, contentType);

        await Run(context, out var reachedNext);

        Assert.False(reachedNext());
        Assert.Equal(StatusCodes.Status415UnsupportedMediaType, context.Response.StatusCode);
        context.Response.Body.Position = 0;
        var problem = await JsonDocument.ParseAsync(context.Response.Body);
        Assert.Equal(415, problem.RootElement.GetProperty("status").GetInt32());
    }

    private static DefaultHttpContext Context(string query, string? contentType)
    {
        var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services, Response = { Body = new MemoryStream() } };
        context.Request.QueryString = new QueryString(query.Length == 0 ? null : query);
        context.Request.ContentType = contentType;
        return context;
    }

    private static Task Run(HttpContext context, out Func<bool> reachedNext)
    {
        var reached = false;
        reachedNext = () => reached;
        var middleware = new RequestTextMiddleware(
            _ =>
            {
                reached = true;
                return Task.CompletedTask;
            },
            context.RequestServices.GetRequiredService<IProblemDetailsService>());
        return middleware.InvokeAsync(context);
    }
}
