using Samples.ServiceDefaults.Data;

namespace Samples.Products;

/// <summary>Bound from the "Products" section (env: Products__TableName).</summary>
public sealed class ProductsOptions : TableServiceOptions
{
    public const string SectionName = "Products";
}

public static class ProductsServiceCollectionExtensions
{
    public static IServiceCollection AddProducts(this IServiceCollection services)
    {
        services.AddTableServiceOptions<ProductsOptions>(ProductsOptions.SectionName);
        services.AddSingleton<ProductRepository>();
        // Built-in minimal-API validation (ProblemDetails 400 with per-field errors). Called here, not in
        // the service defaults: its source generator finds the validatable types of the calling assembly.
        services.AddValidation();
        services.ConfigureHttpJsonOptions(options =>
            options.SerializerOptions.TypeInfoResolverChain.Insert(0, ProductsJsonContext.Default));
        return services;
    }
}
