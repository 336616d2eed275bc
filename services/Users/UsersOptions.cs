using Samples.ServiceDefaults.Data;

namespace Samples.Users;

/// <summary>Bound from the "Users" section (env: Users__TableName).</summary>
public sealed class UsersOptions : TableServiceOptions
{
    public const string SectionName = "Users";
}

public static class UsersServiceCollectionExtensions
{
    public static IServiceCollection AddUsers(this IServiceCollection services)
    {
        services.AddTableServiceOptions<UsersOptions>(UsersOptions.SectionName);
        services.AddSingleton<UserRepository>();
        // Built-in minimal-API validation; called here because its source generator works per assembly.
        services.AddValidation();
        services.ConfigureHttpJsonOptions(options =>
            options.SerializerOptions.TypeInfoResolverChain.Insert(0, UsersJsonContext.Default));
        return services;
    }
}
