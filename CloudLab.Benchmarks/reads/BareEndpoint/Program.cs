using CloudLab.ReadPeers.BareEndpoint;

// Kestrel answering every request with the same bytes: no routing, no middleware, no serialisation. Its appsettings
// switch the hosting logger off, as the CloudLab services do: enabled at any level it opens a log scope and makes an
// Activity for every request, which would make the floor this peer stands for higher than it is.
// --BodyFile=<path> serves that file (compare.sh passes a real product response, so both bodies weigh the same).
var app = WebApplication.CreateBuilder(args).Build();
var body = FixedBody.Load(app.Configuration["BodyFile"]);
app.Run(context =>
{
    context.Response.ContentType = "application/json; charset=utf-8";
    context.Response.ContentLength = body.Length;
    return context.Response.Body.WriteAsync(body).AsTask();
});
app.Run();
