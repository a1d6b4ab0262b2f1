using System.ComponentModel.DataAnnotations;

namespace CloudLab.UserService.Models;

/// <summary>At least one letter and one digit (length is checked by StringLength).</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class PasswordPolicyAttribute : ValidationAttribute
{
    public PasswordPolicyAttribute()
        : base("The password must be 10 to 128 characters and contain at least one letter and one digit.")
    {
    }

    public override bool IsValid(object? value) =>
        value is not string password || (password.Any(char.IsLetter) && password.Any(char.IsDigit));
}

/// <summary>At most 50 preferences; keys up to 50 characters, values up to 500.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class PreferencesPolicyAttribute : ValidationAttribute
{
    public PreferencesPolicyAttribute()
        : base("Preferences hold at most 50 entries, with keys of 1 to 50 characters and values of at most 500.")
    {
    }

    public override bool IsValid(object? value) =>
        value is not IDictionary<string, string> preferences ||
        (preferences.Count <= 50
            && preferences.All(entry => entry.Key.Length is > 0 and <= 50 && (entry.Value?.Length ?? 0) <= 500));
}
