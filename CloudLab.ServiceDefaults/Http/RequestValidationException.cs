namespace CloudLab.ServiceDefaults.Http;

/// <summary>
/// Thrown where a request value fails validation outside a handler
/// (e.g. while binding); answered 400 with the field errors.
/// </summary>
public sealed class RequestValidationException(IDictionary<string, string[]> errors)
    : Exception("The request has invalid values: " + string.Join(", ", errors.Keys))
{
    public RequestValidationException(string field, string error)
        : this(new Dictionary<string, string[]> { [field] = [error] })
    {
    }

    public IDictionary<string, string[]> Errors { get; } = errors;
}
