using Microsoft.Extensions.Options;
using Samples.ServiceDefaults.Data;

namespace Samples.Products;

/// <summary>Bound from the "Products" section (env: Products__TableName).</summary>
public sealed class ProductsOptions : TableServiceOptions
{
    public const string SectionName = "Products";
}

/// <summary>Checks the options' attributes at start-up; the code is generated at compile time (no reflection).</summary>
[OptionsValidator]
internal sealed partial class ProductsOptionsValidator : IValidateOptions<ProductsOptions>;
