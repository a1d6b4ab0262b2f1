using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace CloudLab.UserService.Models;

/// <summary>The roles a user account can have; <c>admin</c> is the shared policies' admin role.</summary>
public static class UserRoles
{
    public const string Customer = "customer";
    public const string Admin = CloudLab.ServiceDefaults.Auth.Roles.Admin;
}

/// <summary>A user as the API returns it and as it is cached; never the password hash.</summary>
[ImmutableObject(true)]
public sealed record UserProfile(
    Guid Id,
    string Email,
    string Name,
    string Role,
    IReadOnlyDictionary<string, string> Preferences,
    DateTime CreatedAt,
    DateTime UpdatedAt)
{
    /// <summary>
    /// The row's version, raised by every profile change: the profile's entity tag, and what the cache orders its
    /// writes and loads by. Not part of the JSON body.
    /// </summary>
    [JsonIgnore]
    public long Version { get; init; } = 1;
}

public sealed record RegisterUserRequest(
    [Required, EmailAddress, StringLength(254)] string Email,
    [Required, StringLength(128, MinimumLength = 10), PasswordPolicy] string Password,
    [Required, StringLength(100, MinimumLength = 1)] string Name);

/// <summary>
/// Bounded like registration (a longer e-mail cannot exist); a password is bounded generously, since the seeded admin's
/// comes from a deployment parameter rather than the registration policy.
/// </summary>
public sealed record LoginRequest(
    [Required, StringLength(254)] string Email,
    [Required, StringLength(1024)] string Password);

public sealed record TokenResponse(string AccessToken, string TokenType, int ExpiresIn);

public sealed record UpdateProfileRequest(
    [Required, StringLength(100, MinimumLength = 1)] string Name,
    [PreferencesPolicy] Dictionary<string, string>? Preferences);
