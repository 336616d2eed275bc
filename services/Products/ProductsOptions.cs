using Samples.ServiceDefaults.Data;

namespace Samples.Products;

/// <summary>Bound from the "Products" section (env: Products__TableName).</summary>
public sealed class ProductsOptions : TableServiceOptions
{
    public const string SectionName = "Products";
}
