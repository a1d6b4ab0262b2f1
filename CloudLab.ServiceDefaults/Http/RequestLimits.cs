namespace CloudLab.ServiceDefaults.Http;

public static class RequestLimits
{
    /// <summary>The standard's request size limit: 10 MB, enforced by Kestrel while the body is read.</summary>
    public const long MaxRequestBodyBytes = 10 * 1024 * 1024;

    public static readonly string TooLargeDetail =
        $"The request body must not exceed {MaxRequestBodyBytes / (1024 * 1024)} MB ({MaxRequestBodyBytes} bytes).";
}
