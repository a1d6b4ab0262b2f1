namespace CloudLab.Contracts;

/// <summary>
/// The names services know each other by: the AppHost's resource names, which are also each service's
/// <c>Auth:ServiceName</c>, the subject of its service tokens and the audience of tokens meant for it.
/// </summary>
public static class ServiceNames
{
    public const string User = "userservice";
    public const string Product = "productservice";
    public const string Order = "orderservice";
    public const string Payment = "paymentservice";
    public const string Analytics = "analyticsservice";
}
