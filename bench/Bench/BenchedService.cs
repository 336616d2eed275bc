using System.Text.Json.Nodes;
using Amazon.DynamoDBv2.Model;

namespace Samples.Bench;

/// <summary>One service under test: its two builds, the route measured, and the GetItem that is its floor.</summary>
internal sealed record BenchedService(
    string Name, string Route, string Path, string? Token, AppBinary Jit, AppBinary Aot, Dictionary<string, string> Environment,
    GetItemRequest Floor, JsonObject? Seed);

internal static class Jwt
{
    public static string Subject(string token) =>
        JsonNode.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(token.Split('.')[1]))!["sub"]!.GetValue<string>();
}
