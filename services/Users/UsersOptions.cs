using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Samples.ServiceDefaults.Data;

namespace Samples.Users;

/// <summary>Bound from the "Users" section (env: Users__TableName).</summary>
public sealed class UsersOptions
{
    public const string SectionName = "Users";

    [Required]
    public string TableName { get; set; } = "";

    [Range(1, 1000)]
    public int DefaultPageSize { get; set; } = 20;

    [Range(1, 1000)]
    public int MaxPageSize { get; set; } = 100;

    public PageLimits Paging => new(DefaultPageSize, MaxPageSize);
}

public static class UsersServiceCollectionExtensions
{
    public static IServiceCollection AddUsers(this IServiceCollection services)
    {
        services.AddOptions<UsersOptions>()
            .BindConfiguration(UsersOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<UserRepository>();
        services.AddDynamoDbWarmup(provider => provider.GetRequiredService<IOptions<UsersOptions>>().Value.TableName);
        // Built-in minimal-API validation; called here because its source generator works per assembly.
        services.AddValidation();
        services.ConfigureHttpJsonOptions(options =>
            options.SerializerOptions.TypeInfoResolverChain.Insert(0, UsersJsonContext.Default));
        return services;
    }
}
