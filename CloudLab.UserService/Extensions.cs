using CloudLab.Contracts;
using CloudLab.ServiceDefaults.Data;
using CloudLab.UserService.Data;
using CloudLab.UserService.Domain;
using CloudLab.UserService.Models;
using Microsoft.Extensions.Options;

namespace CloudLab.UserService;

public static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddServiceDatabase("userdb", typeof(Extensions).Assembly);
        builder.AddServiceCache();
        builder.AddEventOutbox(EventStreams.Events);
        builder.AddJsonModels(UserJsonContext.Default);
        builder.Services.AddValidation();

        builder.Services.AddOptions<PasswordHashingOptions>().BindConfiguration("PasswordHashing");
        builder.Services.AddSingleton<PasswordHashingPool>();
        builder.Services.AddSingleton<LoginThrottle>();
        builder.Services.AddOptions<UserTokenOptions>().BindConfiguration("UserTokens").ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<UserTokenOptions>, UserTokenOptionsValidator>();
        builder.Services.AddSingleton<UserTokenIssuer>();
        builder.Services.AddOptions<UserSeedOptions>().BindConfiguration("Seed");
        builder.Services.AddSingleton<IDatabaseSeeder, UserSeeder>();
        builder.Services.AddSingleton<UserStore>();
        builder.Services.AddSingleton<IUserStore>(services => services.GetRequiredService<UserStore>());
        builder.Services.AddSingleton<UserDirectory>();
    }
}
