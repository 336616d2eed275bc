using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Samples.ServiceDefaults.Authentication;
using Samples.ServiceDefaults.Data;
using Samples.ServiceDefaults.Http;

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
        if (!PageRequest.TryParse(limit, nextToken, options.Value.Paging, ProductRepository.ListPageKey, out var page, out var errors))
        {
            return TypedResults.ValidationProblem(errors);
        }

        return TypedResults.Ok(await repository.ListAsync(page, cancellationToken));
    }

    public static async Task<Results<Ok<Product>, ValidationProblem, ProblemHttpResult>> GetProduct(
        string id, ProductRepository repository, HttpResponse response, CancellationToken cancellationToken)
    {
        if (!ProductId.IsValid(id))
        {
            return ProductId.Invalid();
        }

        if (await repository.GetAsync(id, cancellationToken) is not { } product)
        {
            return NotFound(id);
        }

        response.Headers.ETag = IfMatch.ETagFor(product.Version);
        return TypedResults.Ok(product);
    }

    public static async Task<Results<Created<Product>, ProblemHttpResult>> CreateProduct(
        ProductInput input, ClaimsPrincipal user, ProductRepository repository, TimeProvider clock,
        HttpResponse response, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var product = new Product(
            Id: ProductId.New(now),
            Name: input.TrimmedName,
            Description: string.IsNullOrEmpty(input.Description) ? null : input.Description,
            Price: input.Price!.Value,
            Currency: input.Currency!,
            Tags: input.Tags ?? [],
            Version: 1,
            CreatedAt: now,
            UpdatedAt: now,
            CreatedBy: user.Subject());

        if (!await repository.CreateAsync(product, cancellationToken))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Product already exists",
                detail: $"A product with id '{product.Id}' already exists.");
        }

        response.Headers.ETag = IfMatch.ETagFor(product.Version);
        return TypedResults.Created($"/products/{product.Id}", product);
    }

    public static async Task<Results<Ok<Product>, ValidationProblem, ProblemHttpResult>> ReplaceProduct(
        string id, ProductInput input, HttpRequest request, ProductRepository repository, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        if (!ProductId.IsValid(id))
        {
            return ProductId.Invalid();
        }

        if (!PreconditionProblems.TryGetRequired(request, out var expectedVersion, out var problem))
        {
            return problem;
        }

        var result = await repository.ReplaceAsync(id, input, expectedVersion, clock.GetUtcNow(), cancellationToken);
        switch (result.Outcome)
        {
            case WriteOutcome.NotFound: return NotFound(id);
            case WriteOutcome.VersionMismatch: return PreconditionProblems.Failed();
        }

        request.HttpContext.Response.Headers.ETag = IfMatch.ETagFor(result.Value!.Version);
        return TypedResults.Ok(result.Value);
    }

    public static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> DeleteProduct(
        string id, HttpRequest request, ProductRepository repository, CancellationToken cancellationToken)
    {
        if (!ProductId.IsValid(id))
        {
            return ProductId.Invalid();
        }

        // If-Match is optional here: without it the delete is unconditional, with it the version must match.
        if (!PreconditionProblems.TryGetOptional(request, out var expectedVersion, out var problem))
        {
            return problem;
        }

        return await repository.DeleteAsync(id, expectedVersion, cancellationToken) switch
        {
            WriteOutcome.NotFound => NotFound(id),
            WriteOutcome.VersionMismatch => PreconditionProblems.Failed(),
            _ => TypedResults.NoContent(),
        };
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
