using System.Buffers.Text;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;

namespace Samples.BuildingBlocks.Data;

/// <summary>
/// The opaque <c>nextToken</c> of a list: DynamoDB's LastEvaluatedKey, as base64url JSON. Decoding is
/// strict (exactly the query's key attributes and fixed values, well-formed string values, bounded size) so that a malformed or
/// tampered token is a 400 and never reaches DynamoDB as an invalid ExclusiveStartKey.
/// </summary>
public static class PageToken
{
    private const int MaxTokenLength = 2048;

    public static string? Encode(Dictionary<string, AttributeValue>? lastEvaluatedKey)
    {
        if (lastEvaluatedKey is not { Count: > 0 })
        {
            return null;
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in lastEvaluatedKey.OrderBy(pair => pair.Key, StringComparer.Ordinal))
            {
                writer.WriteString(name, value.S);
            }

            writer.WriteEndObject();
        }

        return Base64Url.EncodeToString(buffer.WrittenSpan);
    }

    public static bool TryDecode(string token, PageKey key, out Dictionary<string, AttributeValue> startKey)
    {
        startKey = [];
        if (token.Length is 0 or > MaxTokenLength || !Base64Url.IsValid(token))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(Base64Url.DecodeFromChars(token));
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!key.Attributes.Contains(property.Name)
                    || property.Value.ValueKind != JsonValueKind.String
                    || property.Value.GetString() is not { Length: > 0 } value
                    || (key.Fixed?.TryGetValue(property.Name, out var expected) == true && !string.Equals(value, expected, StringComparison.Ordinal))
                    || !startKey.TryAdd(property.Name, new AttributeValue { S = value }))
                {
                    return false;
                }
            }

            return startKey.Count == key.Attributes.Count;
        }
        catch (Exception exception) when (exception is JsonException or FormatException or InvalidOperationException)
        {
            // InvalidOperationException: a string holding a lone surrogate ("\ud800"), which is not text.
            return false;
        }
    }
}
