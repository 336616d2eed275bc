using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Samples.BuildingBlocks.Observability;

/// <summary>
/// The counters that tell an operator the services do their job (products created, conflicts, messages
/// delivered...). They are .NET <see cref="Meter"/> counters, so the same calls work everywhere: in Lambda,
/// the service defaults (services/ServiceDefaults/LambdaHosting.cs) forward them to Powertools Metrics, which writes CloudWatch EMF (namespace from
/// POWERTOOLS_METRICS_NAMESPACE, dimension service); elsewhere nothing listens unless a test or a tool does.
/// </summary>
public sealed class BusinessMetrics
{
    /// <summary>The meter every service's business counters belong to.</summary>
    public const string MeterName = "Samples.Business";

    /// <summary>The meter's tag naming the service: the dimension Powertools gives every metric in CloudWatch.</summary>
    public const string ServiceTag = "Service";

    /// <summary>A conditional write refused because the resource changed since it was read (412).</summary>
    public const string VersionConflicts = "VersionConflicts";

    private readonly Meter meter;
    private readonly ConcurrentDictionary<string, Counter<long>> counters = new(StringComparer.Ordinal);

    public BusinessMetrics(IMeterFactory meters, string service) =>
        meter = meters.Create(new MeterOptions(MeterName) { Tags = [new(ServiceTag, service)] });

    public void Count(string name, long value = 1) =>
        counters.GetOrAdd(name, static (counter, meter) => meter.CreateCounter<long>(counter), meter).Add(value);
}
