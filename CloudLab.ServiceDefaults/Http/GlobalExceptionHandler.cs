using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using CloudLab.ServiceDefaults.Data;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Npgsql;
using Polly;
using StackExchange.Redis;

namespace CloudLab.ServiceDefaults.Http;

/// <summary>Turns exceptions into RFC 7807 answers with the right status: a client's mistake is never a 500.</summary>
public sealed class GlobalExceptionHandler(
    IProblemDetailsService problemDetails, ILogger<GlobalExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(
        HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var context = httpContext;
        if (exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            context.Response.StatusCode = 499; // the client went away; nobody is listening for a body
            return true;
        }

        var (status, title, detail) = Classify(exception);
        if (status == StatusCodes.Status500InternalServerError)
        {
            logger.LogError(exception, "Request {Method} {Path} failed with {StatusCode}",
                context.Request.Method, context.Request.Path, status);
        }
        else if (status < 500
            && exception is PostgresException or EncoderFallbackException or DecoderFallbackException)
        {
            // A client's value got as far as the database: answered 4xx, but the validation that missed it is a bug.
            logger.LogWarning("Request {Method} {Path} answered {StatusCode}: the database refused a value ({Reason})",
                context.Request.Method, context.Request.Path, status, exception.Message);
        }
        else if (status >= 500)
        {
            // An expected failure (a dependency down, a budget run out): its kind is enough, a stack trace per request
            // under overload would cost more CPU than the requests themselves.
            logger.LogWarning("Request {Method} {Path} answered {StatusCode}: {ExceptionType}: {Reason}",
                context.Request.Method,
                context.Request.Path,
                status,
                exception.GetType().Name,
                (exception.InnerException ?? exception).Message);
        }

        context.Response.StatusCode = status;
        if (exception is ServiceBusyException busy)
        {
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(busy.RetryAfter.TotalSeconds))
                .ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var problem = new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        };

        if (exception is RequestValidationException validation)
        {
            problem.ProblemDetails = new HttpValidationProblemDetails(validation.Errors)
            {
                Status = status,
                Title = title,
                Detail = detail,
            };
        }

        return await problemDetails.TryWriteAsync(problem);
    }

    private const string DataExceptionDetail =
        "A value is out of range, too long, missing or not valid text (no NUL or control characters).";

    private static (int Status, string Title, string? Detail) Classify(Exception exception) => exception switch
    {
        RequestValidationException => (400, "One or more validation errors occurred.", null),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
            (413, "Request body too large", RequestLimits.TooLargeDetail),
        BadHttpRequestException { InnerException: JsonException json } =>
            (400, "The request body is not valid JSON for this endpoint.", json.Message),
        BadHttpRequestException bad => (bad.StatusCode, "Bad request", bad.Message),
        // The safety net behind input validation: a value PostgreSQL (or the driver) refuses is the client's.
        PostgresException { SqlState: var state } when state.StartsWith("22", StringComparison.Ordinal) =>
            (400, "The request has a value that cannot be stored", DataExceptionDetail),
        PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } =>
            (409, "Conflict", "The request conflicts with data that already exists."),
        PostgresException
        {
            SqlState: PostgresErrorCodes.NotNullViolation
                or PostgresErrorCodes.ForeignKeyViolation
                or PostgresErrorCodes.CheckViolation,
        } => (400, "The request has a value that cannot be stored", DataExceptionDetail),
        EncoderFallbackException or DecoderFallbackException =>
            (400, "The request has a value that cannot be stored", "Text must be valid Unicode."),
        DatabaseTimeoutException timeout => (504, "The database did not answer in time", timeout.Message),
        NpgsqlException { IsTransient: true } or SocketException =>
            (503, "The database is unavailable", "Retry in a moment."),
        ServiceBusyException busy => (503, "The service is busy", busy.Message),
        DependencyUnavailableException dependency =>
            (503, "A service this request needs is unavailable", dependency.Message),
        ExecutionRejectedException or HttpRequestException =>
            (503, "A service this request needs is unavailable", "Retry in a moment."),
        RedisException => (503, "The event store is unavailable", "Retry in a moment."),
        _ => (500, "An unexpected error occurred", null),
    };
}

/// <summary>A downstream service could not give an answer (down, timed out, or its circuit is open).</summary>
public sealed class DependencyUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
