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

    /// <summary>
    /// How long one HTTP attempt may take. DynamoDB answers in milliseconds; an attempt that takes seconds
    /// is a dependency in trouble, and API Gateway gives up on the whole request at 29 s.
    /// </summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(1.5);

    /// <summary>How long opening a connection may take (the SDK's default waits forever).</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Retries after the first attempt. The SDK's default for DynamoDB is 10, which with a dead endpoint
    /// keeps a request waiting for minutes; 2 retries (Standard mode, with backoff and a retry quota)
    /// absorb a blip and still end within about 5 s: (1 + 2) attempts × 1.5 s plus backoff.
    /// </summary>
    public int MaxRetries { get; set; } = 2;
}
