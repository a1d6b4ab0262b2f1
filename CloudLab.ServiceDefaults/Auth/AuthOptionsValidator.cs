using Microsoft.Extensions.Options;

namespace CloudLab.ServiceDefaults.Auth;

/// <summary>
/// Checked at start-up, so a missing or wrong key stops the service at once instead of failing its first requests:
/// every key parses, and this service's own key is one the others trust for it.
/// </summary>
public sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        try
        {
            var signers = new TrustedSigners(options);
            if (!string.IsNullOrWhiteSpace(options.ServiceKey)
                && !signers.Trusts(options.ServiceName, SigningKeys.Private(options.ServiceKey, "Auth:ServiceKey")))
            {
                return ValidateOptionsResult.Fail(
                    $"Auth:ServiceKey is not among Auth:ServiceKeys:{options.ServiceName}: no service would accept "
                        + "this service's calls.");
            }

            return ValidateOptionsResult.Success;
        }
        catch (InvalidOperationException exception)
        {
            return ValidateOptionsResult.Fail(exception.Message);
        }
    }
}
