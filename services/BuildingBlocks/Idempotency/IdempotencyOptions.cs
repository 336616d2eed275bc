namespace Samples.BuildingBlocks.Idempotency;

/// <summary>Bound from the "Idempotency" section (env: Idempotency__TableName).</summary>
public sealed class IdempotencyOptions
{
    public const string SectionName = "Idempotency";

    /// <summary>The table of idempotency records (infra/template.yaml, IdempotencyTable; shared by the services, each in its own key prefix).</summary>
    public string TableName { get; set; } = "";

    /// <summary>
    /// The service's prefix of the record keys ({scope}#{caller}#{key}): its name (POWERTOOLS_SERVICE_NAME) unless
    /// configured. The template lets each function reach only the records under its own prefix.
    /// </summary>
    public string Scope { get; set; } = "";

    /// <summary>How long a key is remembered (its record's TTL). Stripe and the IETF draft's examples use 24 hours.</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How long a request holds its key while it runs: longer than a request can take (the request deadline,
    /// see ServiceDefaults), so that a retry meanwhile gets a 409 rather than running alongside it. A request
    /// that dies holding it (the function timed out, the process was frozen) frees it when the lease runs out.
    /// </summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(10);
}
