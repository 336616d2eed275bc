using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Samples.BuildingBlocks.Data;
using Samples.BuildingBlocks.Validation;

namespace Samples.Products;

/// <summary>A product as stored and as returned. <see cref="Version"/> is its ETag.</summary>
public sealed record Product(
    string Id,
    string Name,
    string? Description,
    decimal Price,
    string Currency,
    IReadOnlyList<string> Tags,
    long Version,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string CreatedBy) : IVersioned
{
    /// <summary>A new product, version 1.</summary>
    public static Product Create(string id, ProductDraft draft, DateTimeOffset now, string createdBy) =>
        new(id, draft.Name, draft.Description, draft.Price, draft.Currency, draft.Tags, Version: 1, now, now, createdBy);
}

/// <summary>What a client sets on a product, validated and normalised: what a create stores and a replace writes.</summary>
public sealed record ProductDraft(string Name, string? Description, decimal Price, string Currency, IReadOnlyList<string> Tags);

/// <summary>
/// The body of POST and PUT (PUT replaces every field). Fields are nullable so a missing one is a
/// validation error naming it rather than a deserialization failure.
/// </summary>
public sealed record ProductInput(
    string? Name,
    string? Description,
    decimal? Price,
    string? Currency,
    IReadOnlyList<string>? Tags) : IValidatableObject
{
    public const int MaxNameLength = 200;
    public const int MaxDescriptionLength = 2000;
    public const int MaxTags = 10;
    public const int MaxTagLength = 50;

    /// <summary>The input as stored. Call it on validated input only (minimal-API validation ran before the handler).</summary>
    public ProductDraft ToDraft() => new(
        Name!.Trim(),
        string.IsNullOrEmpty(Description) ? null : Description,
        Price!.Value,
        Currency!,
        Tags ?? []);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // Checked before trimming: Trim() would quietly drop a trailing newline or a U+2028 the client sent.
        if (Name is null || !TextRules.IsVisibleLine(Name) || Name.Trim().Length > MaxNameLength)
        {
            yield return Error($"name is required: 1 to {MaxNameLength} characters on one line, with at least one visible character.", nameof(Name));
        }

        if (Description is not null && !TextRules.IsMultilineText(Description))
        {
            yield return Error("description cannot hold control characters other than line breaks and tabs.", nameof(Description));
        }
        else if (Description?.Length > MaxDescriptionLength)
        {
            yield return Error($"description can be at most {MaxDescriptionLength} characters.", nameof(Description));
        }

        if (Price is not { } price)
        {
            yield return Error("price is required.", nameof(Price));
        }
        else if (price < 0 || decimal.Round(price, 2) != price)
        {
            // decimal keeps the exact value the client sent: 19.999 is refused, never rounded.
            yield return Error("price must be zero or more, with at most two decimal places.", nameof(Price));
        }

        if (Currency is null || !Currencies.IsIso4217(Currency))
        {
            yield return Error("currency must be an ISO 4217 code in upper case, such as USD or EUR.", nameof(Currency));
        }

        if (Tags is { Count: > MaxTags })
        {
            yield return Error($"tags can hold at most {MaxTags} entries.", nameof(Tags));
        }
        else if (Tags is not null && Tags.Any(tag => tag is null || tag.Length is 0 or > MaxTagLength || !TextRules.IsVisibleLine(tag)))
        {
            yield return Error($"each tag must be 1 to {MaxTagLength} visible characters on one line.", nameof(Tags));
        }
    }

    private static ValidationResult Error(string message, string member) => new(message, [member]);
}

[JsonSerializable(typeof(Product))]
[JsonSerializable(typeof(ProductInput))]
[JsonSerializable(typeof(Page<Product>))]
internal sealed partial class ProductsJsonContext : JsonSerializerContext;
