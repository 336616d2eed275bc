using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Samples.BuildingBlocks.Authentication;
using Samples.BuildingBlocks.Data;
using Samples.BuildingBlocks.Http;
using Samples.BuildingBlocks.Idempotency;
using Samples.BuildingBlocks.Observability;

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
        products.MapPost("", CreateProduct).RequireAuthorization(Policies.Admin).WithIdempotencyKey();
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

    /// <summary>
    /// The new product's id is the request's write token: a retry of the same Idempotency-Key names the same
    /// product, so a create whose answer was lost is found and answered, never made twice.
    /// </summary>
    public static async Task<Results<Created<Product>, ProblemHttpResult>> CreateProduct(
        ProductInput input, ClaimsPrincipal user, WriteToken token, ProductRepository repository, TimeProvider clock, BusinessMetrics metrics,
        HttpResponse response, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var id = token.Value;
        if (await repository.CreateAsync(Product.Create(id, input.ToDraft(), now, user.Subject()), token, cancellationToken) is not { } product)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Product already exists",
                detail: $"A product with id '{id}' already exists.");
        }

        metrics.Count(Metric.Created);
        return TypedResults.Created($"/products/{product.Id}", response.WithETag(product));
    }

    public static async Task<Results<Ok<Product>, ValidationProblem, ProblemHttpResult>> ReplaceProduct(
        string id, RequiredIfMatch ifMatch, ProductInput input, WriteToken token, ProductRepository repository, TimeProvider clock,
        HttpResponse response, CancellationToken cancellationToken)
    {
        if (!ProductId.IsValid(id))
        {
            return ProductId.Invalid();
        }

        var result = await repository.ReplaceAsync(id, input.ToDraft(), ifMatch.Version, clock.GetUtcNow(), token, cancellationToken);
        return IfMatch.Replaced(result, response, () => NotFound(id), Metric.Replaced);
    }

    /// <summary>If-Match is optional here: without it the delete is unconditional, with it the version must match.</summary>
    public static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> DeleteProduct(
        string id, OptionalIfMatch ifMatch, WriteToken token, ProductRepository repository, HttpResponse response, CancellationToken cancellationToken)
    {
        if (!ProductId.IsValid(id))
        {
            return ProductId.Invalid();
        }

        return IfMatch.Deleted(await repository.DeleteAsync(id, ifMatch.Version, token, cancellationToken), response, () => NotFound(id), Metric.Deleted);
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

/// <summary>Product ids are made by the server: a time-ordered UUID (v7) as 32 lower-case hex digits (a <see cref="WriteToken"/>).</summary>
public static class ProductId
{
    public static bool IsValid(string id) => id.Length == 32 && id.All(char.IsAsciiHexDigitLower);

    public static ValidationProblem Invalid() => TypedResults.ValidationProblem(
        new Dictionary<string, string[]> { ["id"] = ["id must be 32 lower-case hexadecimal characters, as returned by POST /products."] });
}
