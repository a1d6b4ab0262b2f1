using System.ComponentModel.DataAnnotations;
using System.Reflection;
using CloudLab.ServiceDefaults.Http.Input;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace CloudLab.Tests.Unit;

/// <summary>
/// The endpoint filter that checks every text a handler is given, however deep in its body: it answers 400 naming
/// each field, lets good input through untouched, and adds nothing to endpoints whose parameters hold no text.
/// </summary>
public sealed class TextInputFilterTests
{
    private static readonly object Passed = new();

    [Fact]
    public async Task Refuses_hostile_text_anywhere_in_a_body_and_names_each_field()
    {
        var body = new SweepBody(
            "Name\0",
            "Line one\nline two",
            [new SweepLine("ok", 1), new SweepLine("bad\u0001", 2)],
            new Dictionary<string, string> { ["theme"] = "dark\ud800", ["bad\u0000key"] = "x" },
            Guid.NewGuid());

        var errors = await ErrorsAsync(nameof(Handlers.Body), body, new FakeService(), CancellationToken.None);

        Assert.Equal(["items[1].label", "name", "preferences", "preferences.theme"], errors.Keys.Order());
        Assert.DoesNotContain("note", errors.Keys); // [MultiLine]: line breaks are allowed there
        Assert.Contains("NUL", errors["name"][0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refuses_a_control_character_in_a_query_parameter_under_its_bound_name()
    {
        var errors = await ErrorsAsync(nameof(Handlers.Query), "smart\u0000phone", 3);

        Assert.Equal(["q"], errors.Keys);
    }

    [Fact]
    public async Task Refuses_text_longer_than_any_field_takes_even_where_the_field_forgot_its_limit()
    {
        var body = new SweepBody(new string('x', TextRules.MaxLength + 1), null, [], null, Guid.Empty);

        var errors = await ErrorsAsync(nameof(Handlers.Body), body, new FakeService(), CancellationToken.None);

        Assert.Equal(["name"], errors.Keys);
    }

    [Fact]
    public async Task Lets_good_input_through_to_the_handler()
    {
        var body = new SweepBody(
            "Ada \ud83d\ude00", "two\nlines", [new SweepLine("fine", 1)], new() { ["theme"] = "dark" }, Guid.Empty);

        Assert.Same(Passed, await InvokeAsync(nameof(Handlers.Body), body, new FakeService(), CancellationToken.None));
        Assert.Same(Passed, await InvokeAsync(nameof(Handlers.Query), "'; DROP TABLE products; --", 1));
    }

    [Fact]
    public void Adds_nothing_to_an_endpoint_whose_parameters_hold_no_text()
    {
        EndpointFilterDelegate next = _ => ValueTask.FromResult<object?>(Passed);

        var filtered = TextInputFilter.Create(Context(nameof(Handlers.NoText)), next);

        Assert.Same(next, filtered);
    }

    private static async Task<IDictionary<string, string[]>> ErrorsAsync(string handler, params object?[] arguments)
    {
        var result = Assert.IsType<ValidationProblem>(await InvokeAsync(handler, arguments));
        Assert.Equal(StatusCodes.Status400BadRequest, result.StatusCode);
        return result.ProblemDetails.Errors;
    }

    private static async Task<object?> InvokeAsync(string handler, params object?[] arguments)
    {
        var filter = TextInputFilter.Create(Context(handler), _ => ValueTask.FromResult<object?>(Passed));
        return await filter(new DefaultEndpointFilterInvocationContext(new DefaultHttpContext(), arguments));
    }

    private static EndpointFilterFactoryContext Context(string handler) => new()
    {
        MethodInfo = typeof(Handlers).GetMethod(handler, BindingFlags.Public | BindingFlags.Static)!,
        ApplicationServices = new ServiceCollection().AddSingleton<FakeService>().BuildServiceProvider(),
    };

    public sealed record SweepLine([property: Required] string Label, int Quantity);

    public sealed record SweepBody(
        string Name,
        [MultiLine] string? Note,
        IReadOnlyList<SweepLine> Items,
        Dictionary<string, string>? Preferences,
        Guid Id);

    /// <summary>A service with text properties of its own: services are never inspected.</summary>
    public sealed class FakeService
    {
        public string Secret { get; } = "\0 never a client's";
    }

    public static class Handlers
    {
        public static void Body(SweepBody request, FakeService service, CancellationToken cancellationToken)
        {
        }

        public static void Query([FromQuery(Name = "q")] string? search, int page)
        {
        }

        public static void NoText(Guid id, int? limit, CancellationToken cancellationToken)
        {
        }
    }
}
