using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Samples.ServiceDefaults.Data;

namespace Samples.Products;

/// <summary>Bound from the "Products" section (env: Products__TableName).</summary>
public sealed class ProductsOptions
{
    public const string SectionName = "Products";

    [Required]
    public string TableName { get; set; } = "";

    [Range(1, 1000)]
    public int DefaultPageSize { get; set; } = 20;

    [Range(1, 1000)]
    public int MaxPageSize { get; set; } = 100;

    public PageLimits Paging => new(DefaultPageSize, MaxPageSize);
}

public static class ProductsServiceCollectionExtensions
{
    public static IServiceCollection AddProducts(this IServiceCollection services)
    {
        services.AddOptions<ProductsOptions>()
            .BindConfiguration(ProductsOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<ProductRepository>();
        services.AddDynamoDbWarmup(provider => provider.GetRequiredService<IOptions<ProductsOptions>>().Value.TableName);
        // Built-in minimal-API validation (ProblemDetails 400 with per-field errors). Called here, not in
        // the service defaults: its source generator finds the validatable types of the calling assembly.
        services.AddValidation();
        services.ConfigureHttpJsonOptions(options =>
            options.SerializerOptions.TypeInfoResolverChain.Insert(0, ProductsJsonContext.Default));
        return services;
    }
}
