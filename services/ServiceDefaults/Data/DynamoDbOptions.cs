namespace Samples.ServiceDefaults.Data;

/// <summary>Bound from the "DynamoDB" section (env: DynamoDB__ServiceUrl).</summary>
public sealed class DynamoDbOptions
{
    public const string SectionName = "DynamoDB";

    /// <summary>
    /// Endpoint of DynamoDB Local (for example http://localhost:8000). Leave empty in AWS, where the
    /// endpoint, region and credentials come from the Lambda environment.
    /// </summary>
    public string? ServiceUrl { get; set; }

    /// <summary>Signing region used with <see cref="ServiceUrl"/>.</summary>
    public string Region { get; set; } = "us-east-1";
}
