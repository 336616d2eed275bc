using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Samples.ServiceDefaults.Authentication;
using Samples.ServiceDefaults.Data;
using Samples.ServiceDefaults.Http;
using Samples.ServiceDefaults.Observability;

namespace Samples.Products;

/// <summary>
/// /products: anyone reads, admins write. Every route is also declared in infra/template.yaml,
/// where the writes carry the JWT authorizer; the policies here hold in every run mode.
/// </summary>
public static class ProductsApi
{
    public static IEndpointRouteBuilder MapProductsApi(this IEndpointRouteBuilder app)
    {
        var products = app.MapGroup("/products").WithTags("Products");

        products.MapGet("", ListProducts).AllowAnonymous();
        products.MapGet("/{id}", GetProduct).AllowAnonymous();
        products.MapPost("", CreateProduct).RequireAuthorization(Policies.Admin);
        products.MapPut("/{id}", ReplaceProduct).RequireAuthorization(Policies.Admin);
        products.MapDelete("/{id}", DeleteProduct).RequireAuthorization(Policies.Admin);

        return app;
    }

    public static async Task<Results<Ok<Page<Product>>, ValidationProblem>> ListProducts(
        string? limit, string? nextToken, ProductRepository repository, IOptions<ProductsOptions> options,
        CancellationToken cancellationToken)
    {
        if (!options.Value.Paging.TryParse(limit, out var size, out var errors))
        {
            return TypedResults.ValidationProblem(errors);
        }

        return TypedResults.Ok(await repository.ListAsync(size, nextToken, cancellationToken));
    }

    public static async Task<Results<Ok<Product>, ValidationProblem, ProblemHttpResult>> GetProduct(
        string id, ProductRepository repository, HttpResponse response, CancellationToken cancellationToken)
    {
        if (!ProductId.IsValid(id))
        {
            return ProductId.Invalid();
        }

        return await repository.GetAsync(id, cancellationToken) is { } product
            ? TypedResults.Ok(response.WithETag(product))
            : NotFound(id);
    }

    public static async Task<Results<Created<Product>, ProblemHttpResult>> CreateProduct(
        ProductInput input, ClaimsPrincipal user, ProductRepository repository, TimeProvider clock, BusinessMetrics metrics,
        HttpResponse response, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var product = Product.Create(ProductId.New(now), input.ToDraft(), now, user.Subject());
        if (!await repository.CreateAsync(product, cancellationToken))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Product already exists",
                detail: $"A product with id '{product.Id}' already exists.");
        }

        metrics.Count(Metric.Created);
        return TypedResults.Created($"/products/{product.Id}", response.WithETag(product));
    }

    public static async Task<Results<Ok<Product>, ValidationProblem, ProblemHttpResult>> ReplaceProduct(
        string id, RequiredIfMatch ifMatch, ProductInput input, ProductRepository repository, TimeProvider clock,
        HttpResponse response, CancellationToken cancellationToken)
    {
        if (!ProductId.IsValid(id))
        {
            return ProductId.Invalid();
        }

        var result = await repository.ReplaceAsync(id, input.ToDraft(), ifMatch.Version, clock.GetUtcNow(), cancellationToken);
        return IfMatch.Replaced(result, response, () => NotFound(id), Metric.Replaced);
    }

    /// <summary>If-Match is optional here: without it the delete is unconditional, with it the version must match.</summary>
    public static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> DeleteProduct(
        string id, OptionalIfMatch ifMatch, ProductRepository repository, HttpResponse response, CancellationToken cancellationToken)
    {
        if (!ProductId.IsValid(id))
        {
            return ProductId.Invalid();
        }

        return IfMatch.Deleted(await repository.DeleteAsync(id, ifMatch.Version, cancellationToken), response, () => NotFound(id), Metric.Deleted);
    }

    /// <summary>The business metrics this API counts (see BusinessMetrics).</summary>
    public static class Metric
    {
        public const string Created = "ProductsCreated";
        public const string Replaced = "ProductsReplaced";
        public const string Deleted = "ProductsDeleted";
    }

    private static ProblemHttpResult NotFound(string id) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound, title: "Product not found", detail: $"No product has id '{id}'.");
}

/// <summary>Product ids are made by the server: a time-ordered UUID (v7) as 32 lower-case hex digits.</summary>
public static class ProductId
{
    public static string New(DateTimeOffset now) => Guid.CreateVersion7(now).ToString("N");

    public static bool IsValid(string id) => id.Length == 32 && id.All(char.IsAsciiHexDigitLower);

    public static ValidationProblem Invalid() => TypedResults.ValidationProblem(
        new Dictionary<string, string[]> { ["id"] = ["id must be 32 lower-case hexadecimal characters, as returned by POST /products."] });
}
