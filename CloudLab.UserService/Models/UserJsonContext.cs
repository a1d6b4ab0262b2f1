using System.Text.Json;
using System.Text.Json.Serialization;
using CloudLab.ServiceDefaults.Http;

namespace CloudLab.UserService.Models;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(UserProfile))]
[JsonSerializable(typeof(PagedResult<UserProfile>))]
[JsonSerializable(typeof(RegisterUserRequest))]
[JsonSerializable(typeof(LoginRequest))]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(UpdateProfileRequest))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
public sealed partial class UserJsonContext : JsonSerializerContext;
