using CloudLab.ServiceDefaults.Http.Input;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Microsoft.Extensions.Hosting;

public static class ApiRootExtensions
{
    /// <summary>
    /// The root every service maps its API on: each endpoint under it has its text input checked
    /// (<see cref="TextInputFilter"/>) before its handler runs, without each route group having to remember it.
    /// </summary>
    public static RouteGroupBuilder MapApi(this WebApplication app)
    {
        var api = app.MapGroup(string.Empty);
        api.AddEndpointFilterFactory(TextInputFilter.Create);
        return api;
    }
}
